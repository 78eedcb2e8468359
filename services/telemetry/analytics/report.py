"""From a guild's sessions to the data of each graph: runs the analytics, resolves names.

``GuildReport`` computes each metric at most once for a period, so drawing every graph of one
period costs one sweep, and a single ``/stats`` graph costs only what it needs.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from math import ceil

from bus.protocol import ALL_HISTORY
from services.telemetry.analytics.buckets import Buckets, hours_per_bucket, last_days, week_of
from services.telemetry.analytics.calendar import (
    hours_with_play,
    member_monthly_hours,
    member_weekday_hours,
    weekday_activity,
)
from services.telemetry.analytics.charts import (
    Chart,
    DuoChart,
    GraphKind,
    Header,
    InactiveChart,
    InactiveRow,
    MonthColumn,
    MonthlyChart,
    NetworkChart,
    NetworkNode,
    TimelineBar,
    TimelineChart,
    VoiceTimeChart,
    WeekChart,
    WeekdayChart,
)
from services.telemetry.analytics.inactivity import inactivity, rolling_weeks
from services.telemetry.analytics.options import StatsRequest
from services.telemetry.analytics.presence import (
    ChannelPresence,
    Interval,
    presence_by_channel,
    presence_by_user,
    total_length,
)
from services.telemetry.analytics.sessions import GuildDataset, Period
from services.telemetry.analytics.shared import Pair, shared_time, top_pairs
from services.telemetry.analytics.timeline import weekly_timeline
from services.telemetry.analytics.voice_time import MemberVoiceTime, voice_time

TOP_PAIRS = 15
TOP_MEMBERS = 25
MONTHLY_MEMBERS = 10
"""Members with a colour of their own in the monthly stack; the rest are "Other". Ten colours
are as many as a reader tells apart in a legend."""
TIMELINE_MEMBERS = 30
"""Rows of the weekly timeline (the seed draws its top 30)."""
MIN_WEEKS = 4
MAX_WEEKS = 12
MAX_TIMELINE_WEEKS = 53


class GuildReport:
    """The graphs of one guild over the last ``days`` local days as of ``now``, or over all
    its history (``days`` is ``ALL_HISTORY``), which begins on the day of its first record."""

    def __init__(
        self,
        dataset: GuildDataset,
        now: datetime,
        days: int,
        *,
        monthly_members: int = MONTHLY_MEMBERS,
    ) -> None:
        self.dataset = dataset
        self.now = now
        self.first_record = dataset.first_record()
        self.days = days if days != ALL_HISTORY else self._days_of_history()
        self.all_history = days == ALL_HISTORY
        self.monthly_members = monthly_members
        self.period = last_days(now, self.days, dataset.clock.tz)

    def _days_of_history(self) -> int:
        if self.first_record is None or self.first_record > self.now:
            return 1
        tz = self.dataset.clock.tz
        return (self._today - self.first_record.astimezone(tz).date()).days + 1

    @cached_property
    def _channels(self) -> dict[int, ChannelPresence]:
        data = self.dataset
        return presence_by_channel(data.sessions, data.clock, data.roster, self.period)

    @cached_property
    def _pairs(self) -> dict[Pair, float]:
        return shared_time(self._channels)

    @cached_property
    def _voice(self) -> list[MemberVoiceTime]:
        return voice_time(self._channels)

    @cached_property
    def _spans(self) -> dict[int, list[Interval]]:
        return presence_by_user(self._channels)

    @property
    def _today(self) -> date:
        return self.now.astimezone(self.dataset.clock.tz).date()

    def _name(self, user_id: int) -> str:
        return self.dataset.roster.name(user_id)

    def _header(self, title: str) -> Header:
        tz = self.dataset.clock.tz
        first = self.period.start.astimezone(tz).date()
        if self.all_history:
            span = "all the history"
        else:
            span = "today" if self.days == 1 else f"last {self.days} days"
        return Header(title, f"{span}, {first:%d %b %Y} to {self._today:%d %b %Y} ({tz.key})")

    def chart(self, kind: GraphKind, member: int | None = None) -> Chart:
        """The data of one graph; the member's week needs ``member``."""
        match kind:
            case GraphKind.NETWORK:
                return self.network()
            case GraphKind.DUOS:
                return self.duos()
            case GraphKind.VOICE_TIME:
                return self.voice_time()
            case GraphKind.INACTIVE:
                return self.inactive()
            case GraphKind.WEEKDAYS:
                return self.weekdays()
            case GraphKind.MONTHS:
                return self.months()
            case GraphKind.TIMELINE:
                return self.timeline()
            case GraphKind.WEEK:
                if member is None:
                    raise ValueError("a week is drawn for one member")
                return self.week(member)

    def network(self) -> NetworkChart:
        """Members sized by time in voice, linked by shared time."""
        nodes = tuple(
            NetworkNode(row.user_id, self._name(row.user_id), row.total / 3600)
            for row in self._voice
        )
        edges = tuple((a, b, seconds / 3600) for (a, b), seconds in sorted(self._pairs.items()))
        return NetworkChart(self._header("Who plays with whom"), nodes, edges)

    def duos(self) -> DuoChart:
        """The pairs with the most shared time."""
        pairs = tuple(
            (self._name(pair.user_a), self._name(pair.user_b), pair.seconds / 3600)
            for pair in top_pairs(self._pairs, TOP_PAIRS)
        )
        return DuoChart(self._header("Top duos: hours played together"), pairs)

    def voice_time(self) -> VoiceTimeChart:
        """Members with the most time in voice."""
        rows = tuple(
            (self._name(row.user_id), row.with_others / 3600, row.alone / 3600)
            for row in self._voice[:TOP_MEMBERS]
        )
        return VoiceTimeChart(self._header("Time in voice"), rows)

    def _no_data(self, weeks: Buckets) -> list[bool]:
        """Per window: whether it ended before the record began (nothing could be seen)."""
        began = self.first_record.timestamp() if self.first_record is not None else None
        return [began is None or end <= began for end in weeks.edges[1:]]

    def inactive(self) -> InactiveChart:
        """The members seen least recently, with their recent weeks."""
        weeks = min(max(ceil(self.days / 7), MIN_WEEKS), MAX_WEEKS)
        data = self.dataset
        report = inactivity(data.sessions, data.clock, data.roster, self.now, weeks)
        blank = self._no_data(rolling_weeks(self.now, weeks, data.clock))
        rows = tuple(
            InactiveRow(
                self._name(row.user_id),
                self._days_ago(row.last_seen),
                tuple(
                    None if empty else hours
                    for empty, hours in zip(blank, row.weekly_hours, strict=True)
                ),
            )
            for row in report.members[:TOP_MEMBERS]
        )
        labels = tuple(f"{start:%d %b}" for start in report.week_starts)
        header = Header(
            "Inactive members: hours in voice per week",
            f"rolling weeks to {self._today:%d %b %Y} ({data.clock.tz.key})",
        )
        return InactiveChart(header, labels, rows)

    def _days_ago(self, seen: datetime | None) -> int | None:
        # Community days, not 24-hour spans: last evening is "yesterday" at breakfast.
        if seen is None:
            return None
        return (self._today - seen.astimezone(self.dataset.clock.tz).date()).days

    def weekdays(self) -> WeekdayChart:
        """Which weekday each member plays on, and when in the week the community plays."""
        clock = self.dataset.clock
        # Averages per weekday count only the days since the record began: a month of play
        # shown over 13 weeks must not read as a quarter of the habit.
        began = self.first_record or self.period.start
        recorded = Period(max(self.period.start, min(began, self.period.end)), self.period.end)
        activity = weekday_activity(self._spans, clock, recorded)
        shown = hours_with_play(activity.hours)
        per_member = member_weekday_hours(self._spans, clock, self.period)
        ranked = sorted(per_member, key=lambda user: (-sum(per_member[user]), user))
        members = tuple((self._name(user), per_member[user]) for user in ranked[:TOP_MEMBERS])
        grid = tuple(tuple(row[hour] for hour in shown) for row in activity.hours)
        return WeekdayChart(self._header("Day of week"), members, shown, grid, activity.averages)

    def months(self) -> MonthlyChart:
        """Hours in voice per member per month, the top members stacked, then the others."""
        data = member_monthly_hours(self._spans, self.dataset.clock, self.period)
        ranked = sorted(data.hours, key=lambda user: (-sum(data.hours[user]), user))
        top, rest = ranked[: self.monthly_members], ranked[self.monthly_members :]
        others = [0.0] * len(data.months)
        for user in rest:
            others = [total + hours for total, hours in zip(others, data.hours[user], strict=True)]
        return MonthlyChart(
            self._header("Hours in voice per member per month"),
            tuple(self._month_column(month) for month in data.months),
            tuple((self._name(user), data.hours[user]) for user in top),
            tuple(others),
            len(ranked),
        )

    def _month_column(self, month: date) -> MonthColumn:
        length = month_calendar.monthrange(month.year, month.month)[1]
        first = max(month, self.period.start.astimezone(self.dataset.clock.tz).date())
        last = min(month + timedelta(days=length - 1), self._today)
        return MonthColumn(month, (last - first).days + 1, length)

    def timeline(self) -> TimelineChart:
        """Each member's hours in voice per rolling week, the most present members first."""
        data = self.dataset
        weeks = min(max(ceil(self.days / 7), 1), MAX_TIMELINE_WEEKS)
        windows = rolling_weeks(self.now, weeks, data.clock)
        period = Period(datetime.fromtimestamp(windows.edges[0], UTC), self.now)
        spans = presence_by_user(
            presence_by_channel(data.sessions, data.clock, data.roster, period)
        )
        hours = {user: hours_per_bucket(intervals, windows) for user, intervals in spans.items()}
        ranked = sorted(
            (user for user in hours if any(hours[user])),
            key=lambda user: (-sum(hours[user]), user),
        )
        blank = self._no_data(windows)
        rows = tuple(
            (
                self._name(user),
                tuple(
                    None if empty else value
                    for empty, value in zip(blank, hours[user], strict=True)
                ),
            )
            for user in ranked[:TIMELINE_MEMBERS]
        )
        header = Header(
            "Hours in voice per member, week by week",
            f"rolling weeks to {self._today:%d %b %Y} ({data.clock.tz.key})",
        )
        starts = tuple(start.date() for start in windows.starts)
        return TimelineChart(header, starts, rows, len(ranked))

    def week(self, member: int) -> WeekChart:
        """The member's current local week."""
        data = self.dataset
        week = weekly_timeline(data.sessions, data.clock, data.roster, member, self._today)
        bars = tuple(
            TimelineBar(
                segment.day,
                segment.start_hour,
                segment.end_hour,
                data.channel_names.get(segment.channel_id, f"channel {segment.channel_id}"),
            )
            for segment in week.segments
        )
        header = Header(
            f"{self._name(member)}: week of {week.monday:%d %b %Y}",
            f"local time ({data.clock.tz.key})",
        )
        return WeekChart(header, week.monday, bars, week.total_hours)

    def members_in_voice_this_week(self) -> list[int]:
        """Members with time in voice in the current local week, most time first."""
        data = self.dataset
        week = week_of(self._today, data.clock.tz)
        spans = presence_by_user(presence_by_channel(data.sessions, data.clock, data.roster, week))
        totals = {user: total_length(intervals) for user, intervals in spans.items()}
        return sorted(totals, key=lambda user: (-totals[user], user))


def build_chart(request: StatsRequest, dataset: GuildDataset, now: datetime) -> Chart:
    """The data of the graph a ``/stats`` request asks for."""
    return GuildReport(dataset, now, request.days).chart(request.kind, request.member)

"""From a guild's sessions to the data of each graph: runs the analytics, resolves names.

``GuildReport`` computes each metric at most once for a period, so drawing every graph (the
admin CLI) costs one sweep, and a single ``/stats`` graph costs only what it needs.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from math import ceil

from services.telemetry.analytics.buckets import last_days, week_of
from services.telemetry.analytics.calendar import monthly_hours, weekday_activity
from services.telemetry.analytics.charts import (
    Chart,
    DuoChart,
    GraphKind,
    Header,
    InactiveChart,
    InactiveRow,
    MonthlyChart,
    NetworkChart,
    NetworkNode,
    TimelineBar,
    TimelineChart,
    VoiceTimeChart,
    WeekdayChart,
)
from services.telemetry.analytics.inactivity import inactivity
from services.telemetry.analytics.options import StatsRequest
from services.telemetry.analytics.presence import (
    ChannelPresence,
    Interval,
    presence_by_channel,
    presence_by_user,
    total_length,
)
from services.telemetry.analytics.sessions import GuildDataset
from services.telemetry.analytics.shared import Pair, shared_time, top_pairs
from services.telemetry.analytics.timeline import weekly_timeline
from services.telemetry.analytics.voice_time import MemberVoiceTime, voice_time

TOP_PAIRS = 15
TOP_MEMBERS = 25
MIN_WEEKS = 4
MAX_WEEKS = 12


class GuildReport:
    """The graphs of one guild over the last ``days`` local days, as of ``now``."""

    def __init__(self, dataset: GuildDataset, now: datetime, days: int) -> None:
        self.dataset = dataset
        self.now = now
        self.days = days
        self.period = last_days(now, days, dataset.clock.tz)

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
        span = "today" if self.days == 1 else f"last {self.days} days"
        return Header(title, f"{span}, {first:%d %b %Y} to {self._today:%d %b %Y} ({tz.key})")

    def chart(self, kind: GraphKind, member: int | None = None) -> Chart:
        """The data of one graph; the timeline needs ``member``."""
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
                if member is None:
                    raise ValueError("the timeline is drawn for one member")
                return self.timeline(member)

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

    def inactive(self) -> InactiveChart:
        """The members seen least recently, with their recent weeks."""
        weeks = min(max(ceil(self.days / 7), MIN_WEEKS), MAX_WEEKS)
        data = self.dataset
        report = inactivity(data.sessions, data.clock, data.roster, self.now, weeks)
        rows = tuple(
            InactiveRow(self._name(row.user_id), report.days_since_seen(row), row.weekly_hours)
            for row in report.members[:TOP_MEMBERS]
        )
        labels = tuple(f"{start:%d %b}" for start in report.week_starts)
        header = Header(
            "Inactive members: hours in voice per week",
            f"rolling weeks to {self._today:%d %b %Y} ({data.clock.tz.key})",
        )
        return InactiveChart(header, labels, rows)

    def weekdays(self) -> WeekdayChart:
        """When in the week the community plays."""
        activity = weekday_activity(self._spans, self.dataset.clock, self.period)
        return WeekdayChart(self._header("Activity by weekday"), activity.hours, activity.averages)

    def months(self) -> MonthlyChart:
        """Hours in voice per month."""
        months = monthly_hours(self._spans, self.dataset.clock, self.period)
        return MonthlyChart(
            self._header("Hours in voice per month"),
            tuple((month.month, month.hours) for month in months),
        )

    def timeline(self, member: int) -> TimelineChart:
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
        return TimelineChart(header, week.monday, bars, week.total_hours)

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

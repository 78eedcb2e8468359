"""Who has gone quiet: last time seen in voice and hours per week, for every member.

Every human member of the roster is reported, including those never seen in voice, plus
anyone with voice time who is no longer in the roster. What counts as voice follows
``presence`` (no AFK channel, no bots). Weeks are rolling windows of seven local days ending at
``now`` (the most recent one is never a half-finished calendar week, which would read as a
drop), so a window spanning a daylight-saving change is 167 or 169 hours long.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.telemetry.analytics.buckets import Buckets, split, to_local
from services.telemetry.analytics.presence import presence_by_channel, presence_by_user
from services.telemetry.analytics.sessions import GuildClock, Period, Roster, VoiceSession


@dataclass(frozen=True, slots=True)
class MemberActivity:
    """One member's recent activity."""

    user_id: int
    last_seen: datetime | None
    """When they were last in voice (UTC), or ``None`` if never."""
    weekly_hours: tuple[float, ...]
    """Hours in voice per rolling week, oldest first; the last one ends at ``now``."""


@dataclass(frozen=True, slots=True)
class InactivityReport:
    """Activity of every member, the most inactive first."""

    now: datetime
    week_starts: tuple[datetime, ...]
    """Local start of each rolling week, oldest first."""
    members: tuple[MemberActivity, ...]

    def days_since_seen(self, member: MemberActivity) -> float | None:
        """Days between the member's last time in voice and ``now``."""
        if member.last_seen is None:
            return None
        return (self.now - member.last_seen).total_seconds() / 86400


def rolling_weeks(now: datetime, weeks: int, clock: GuildClock) -> Buckets:
    """``weeks`` windows of seven local days, oldest first, the last ending at ``now``."""
    local_now = now.astimezone(clock.tz)
    # Adding days to an aware ZoneInfo datetime moves the wall clock, and timestamp() then
    # applies that day's offset: a week is seven local days, not 168 hours.
    starts = [local_now - timedelta(days=7 * back) for back in range(weeks, -1, -1)]
    edges = tuple(start.timestamp() for start in starts)
    return Buckets(edges, tuple(to_local(edge, clock.tz) for edge in edges[:-1]))


def inactivity(
    sessions: Iterable[VoiceSession],
    clock: GuildClock,
    roster: Roster,
    now: datetime,
    weeks: int,
) -> InactivityReport:
    """Last seen and weekly hours for every member; never seen first, then oldest last seen."""
    everything_until_now = Period(datetime.fromtimestamp(0, UTC), now)
    spans = presence_by_user(presence_by_channel(sessions, clock, roster, everything_until_now))
    windows = rolling_weeks(now, weeks, clock)
    users = {member.user_id for member in roster.humans()} | spans.keys()

    rows: list[MemberActivity] = []
    for user in users:
        intervals = spans.get(user, [])
        hours = [0.0] * weeks
        for index, seconds in split(intervals, windows):
            hours[index] += seconds / 3600
        last_seen = datetime.fromtimestamp(intervals[-1][1], UTC) if intervals else None
        rows.append(MemberActivity(user, last_seen, tuple(hours)))

    def most_inactive_first(row: MemberActivity) -> tuple[float, str, int]:
        seen = row.last_seen.timestamp() if row.last_seen is not None else float("-inf")
        return (seen, roster.name(row.user_id).casefold(), row.user_id)

    rows.sort(key=most_inactive_first)
    return InactivityReport(now, windows.starts, tuple(rows))

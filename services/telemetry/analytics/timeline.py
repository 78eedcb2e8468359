"""A member's week in voice, laid on a Monday-to-Sunday x 24-hour grid of local wall time.

Segments are placed by the local clock (a session that ends at 03:30 ends at 3.5 on the grid).
On a spring-forward day the missing hour stays empty; on a fall-back day the repeated hour is
drawn twice over the same cell, once per pass of the clock. Segment lengths are real durations,
so the week's total is exact. What counts follows ``presence`` (no AFK channel, no bots).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from services.telemetry.analytics.buckets import local_hours, split, week_of
from services.telemetry.analytics.presence import presence_by_channel
from services.telemetry.analytics.sessions import GuildClock, Roster, VoiceSession

_TOUCHING = 1e-9


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one day on the grid: ``day`` 0 is Monday, hours are local wall time."""

    day: int
    start_hour: float
    end_hour: float
    channel_id: int


@dataclass(frozen=True, slots=True)
class WeeklyTimeline:
    """One member's voice presence over one local week."""

    user_id: int
    monday: date
    segments: tuple[Segment, ...]
    total_hours: float


def weekly_timeline(
    sessions: Iterable[VoiceSession],
    clock: GuildClock,
    roster: Roster,
    user_id: int,
    day: date,
) -> WeeklyTimeline:
    """The member's timeline for the local week holding ``day``."""
    week = week_of(day, clock.tz)
    monday = day - timedelta(days=day.weekday())
    channels = presence_by_channel(
        (session for session in sessions if session.user_id == user_id), clock, roster, week
    )
    low, high = week.bounds
    hours = local_hours(clock.tz, low, high)

    segments: list[Segment] = []
    total = 0.0
    for channel, users in sorted(channels.items()):
        for start, end in users.get(user_id, []):
            for index, seconds in split([(start, end)], hours):
                bucket_start = hours.starts[index]
                piece_start = max(start, hours.edges[index])
                wall = bucket_start.hour + (piece_start - hours.edges[index]) / 3600
                segment = Segment(
                    (bucket_start.date() - monday).days, wall, wall + seconds / 3600, channel
                )
                total += seconds / 3600
                segments.append(segment)
    return WeeklyTimeline(user_id, monday, tuple(_joined(segments)), total)


def _joined(segments: list[Segment]) -> list[Segment]:
    # Pieces were cut at every hour only to find their wall-clock place; join them back so a
    # two-hour session is one bar, not two. The sort is stable and pieces arrive in time order,
    # which keeps the two passes of a fall-back hour apart.
    joined: list[Segment] = []
    for segment in sorted(segments, key=lambda s: (s.day, s.channel_id)):
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.day == segment.day
            and last.channel_id == segment.channel_id
            and abs(last.end_hour - segment.start_hour) < _TOUCHING
        ):
            joined[-1] = Segment(last.day, last.start_hour, segment.end_hour, last.channel_id)
        else:
            joined.append(segment)
    return joined

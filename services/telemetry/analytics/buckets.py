"""Local hours, days, weeks and months of the guild's timezone, as instants.

Buckets are built from the local calendar and converted to unix seconds, so a daylight-saving
day really has 23 or 25 hours: on the spring-forward day the missing hour has no bucket, on
the fall-back day the repeated hour has two buckets with the same label.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.runtime.playtime import local_midnight
from services.telemetry.analytics.sessions import Period

# Every UTC offset in use is a multiple of 15 minutes, so every local hour starts on one of these.
_QUARTER_HOUR = 900.0


@dataclass(frozen=True, slots=True)
class Buckets:
    """Consecutive buckets: bucket ``i`` is ``[edges[i], edges[i + 1])``.

    ``starts[i]`` is the local time at which bucket ``i`` begins; it is the bucket's label.
    """

    edges: tuple[float, ...]
    starts: tuple[datetime, ...]

    def __len__(self) -> int:
        return len(self.starts)


def to_local(instant: float, tz: ZoneInfo) -> datetime:
    """The local wall time of a unix instant."""
    return datetime.fromtimestamp(instant, tz)


def _buckets(tz: ZoneInfo, edges: Iterable[float]) -> Buckets:
    ordered = tuple(sorted(set(edges)))
    return Buckets(ordered, tuple(to_local(edge, tz) for edge in ordered[:-1]))


def _starts_an_hour(instant: float, tz: ZoneInfo) -> bool:
    local = to_local(instant, tz)
    return local.minute == 0 and local.second == 0


def local_hours(tz: ZoneInfo, low: float, high: float) -> Buckets:
    """The local hours covering ``[low, high]``."""
    instant = (low // _QUARTER_HOUR) * _QUARTER_HOUR
    while not _starts_an_hour(instant, tz):
        instant -= _QUARTER_HOUR
    edges = [instant]
    while edges[-1] < high or len(edges) < 2:
        instant += _QUARTER_HOUR
        if _starts_an_hour(instant, tz):
            edges.append(instant)
    return _buckets(tz, edges)


def local_days(tz: ZoneInfo, low: float, high: float) -> Buckets:
    """The local days covering ``[low, high]``."""
    day = to_local(low, tz).date()
    edges = [local_midnight(day, tz)]
    while edges[-1] < high or len(edges) < 2:
        day += timedelta(days=1)
        edges.append(local_midnight(day, tz))
    return _buckets(tz, edges)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def local_months(tz: ZoneInfo, low: float, high: float) -> Buckets:
    """The local calendar months covering ``[low, high]``."""
    day = to_local(low, tz).date().replace(day=1)
    edges = [local_midnight(day, tz)]
    while edges[-1] < high or len(edges) < 2:
        day = _next_month(day)
        edges.append(local_midnight(day, tz))
    return _buckets(tz, edges)


def split(
    intervals: Iterable[tuple[float, float]], buckets: Buckets
) -> Iterator[tuple[int, float]]:
    """``(bucket index, seconds)`` for each piece of each interval cut at the bucket edges.

    Parts of an interval outside the buckets are dropped.
    """
    edges = buckets.edges
    last = len(edges) - 1
    for start, end in intervals:
        index = max(bisect_right(edges, start) - 1, 0)
        cursor = max(start, edges[0])
        while cursor < end and index < last:
            stop = min(end, edges[index + 1])
            if stop > cursor:
                yield index, stop - cursor
            cursor = stop
            index += 1


def hours_per_bucket(intervals: Iterable[tuple[float, float]], buckets: Buckets) -> list[float]:
    """Hours of ``intervals`` in each bucket (what lies outside the buckets is dropped)."""
    hours = [0.0] * len(buckets)
    for index, seconds in split(intervals, buckets):
        hours[index] += seconds / 3600
    return hours


def last_days(now: datetime, days: int, tz: ZoneInfo) -> Period:
    """From local midnight ``days - 1`` days before today up to ``now``: ``days=1`` is today."""
    today = now.astimezone(tz).date()
    start = local_midnight(today - timedelta(days=days - 1), tz)
    return Period(datetime.fromtimestamp(start, UTC), now)


def week_of(day: date, tz: ZoneInfo) -> Period:
    """The local Monday-to-Sunday week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    start = local_midnight(monday, tz)
    end = local_midnight(monday + timedelta(days=7), tz)
    return Period(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))

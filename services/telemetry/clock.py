"""Community dates and their bounds, with ``zoneinfo``: daylight-saving days last 23 or 25 hours.

Pure functions; the clock (an instant) is always passed in.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_EPOCH_DAY = date(1970, 1, 1)


def day_number(day: date) -> int:
    """How the database stores a date: days since 1970-01-01."""
    return (day - _EPOCH_DAY).days


def day_from_number(number: int) -> date:
    """The inverse of ``day_number``."""
    return _EPOCH_DAY + timedelta(days=number)


def parse_day(text: str) -> date:
    """A strict ``YYYY-MM-DD`` date; ValueError otherwise."""
    if len(text) != 10:
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date")
    return date.fromisoformat(text)


def community_date(at: float, tz: ZoneInfo) -> date:
    """The local date of instant ``at`` (unix seconds) in the community's timezone."""
    return datetime.fromtimestamp(at, tz).date()


def local_midnight(day: date, tz: ZoneInfo) -> float:
    """The instant a local day begins (after the gap, where midnight itself is skipped)."""
    return datetime.combine(day, time(0), tzinfo=tz).timestamp()


def local_days(first: date, days: int, tz: ZoneInfo) -> tuple[float, float]:
    """``[start, end)`` in unix seconds of ``days`` community days from ``first``."""
    return local_midnight(first, tz), local_midnight(first + timedelta(days=days), tz)


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_named(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if name not in _known_timezones():
        return None
    return ZoneInfo(name)


def zone_or_utc(name: str) -> ZoneInfo:
    """The guild's zone; a name that stopped existing (tzdata update) falls back to UTC."""
    return timezone_named(name) or ZoneInfo("UTC")

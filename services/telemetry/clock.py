"""How telemetry stores and asks for community days: day numbers, and ranges of days.

Community time itself (zones, dates, local midnight) is ``services.runtime.playtime``'s.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from services.runtime.playtime import local_midnight

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


def local_days(first: date, days: int, tz: ZoneInfo) -> tuple[float, float]:
    """``[start, end)`` in unix seconds of ``days`` community days from ``first``."""
    return local_midnight(first, tz), local_midnight(first + timedelta(days=days), tz)

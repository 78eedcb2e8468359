"""Wall-clock time for timestamps and snowflakes, injectable for simulations."""

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Discord's ISO-8601 timestamp format."""
    return moment.astimezone(UTC).isoformat()

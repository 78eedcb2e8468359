"""The emulator's time for timestamps and snowflakes, and for pacing a simulated community.

In a fleet it follows the same ``SQUADTIME_CLOCK`` calendar as every squadtime process
(``bus.clock``), so a message posted at simulated noon carries simulated noon
and the bot agrees. In-process tests use :class:`~emulator.simulator.simclock.SimClock` instead.
"""

from datetime import UTC, datetime
from typing import Protocol

from bus.clock import Calendar


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class CalendarClock:
    """A calendar (the real clock by default) as the emulator and its community read it."""

    def __init__(self, calendar: Calendar | None = None) -> None:
        self.calendar = calendar or Calendar()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.calendar.now(), UTC)

    async def sleep_until(self, moment: datetime) -> None:
        """Wait until the calendar reaches ``moment``."""
        await self.calendar.sleep_until(moment.timestamp())


def iso(moment: datetime) -> str:
    """Discord's ISO-8601 timestamp format."""
    return moment.astimezone(UTC).isoformat()

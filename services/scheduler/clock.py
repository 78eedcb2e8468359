"""The scheduler's sense of calendar time, passed in so tests can move it.

In the fleet it is ``services.runtime.clock.Calendar`` (the real clock, or the scaled one
the emulator's community plays on); tests give a clock they move by hand.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class Clock(Protocol):
    """Calendar time now, and a wait for a calendar instant that ``wake`` cuts short."""

    def now(self) -> float: ...

    def real_delay(self, instant: float) -> float:
        """Real seconds until the calendar reads ``instant`` (inf for a clock moved by hand)."""
        ...

    async def sleep_until(self, instant: float, wake: asyncio.Event) -> None: ...

"""The scheduler's sense of time, passed in so tests can move it."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Now, and a sleep that a change of plans (``wake``) cuts short."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float, wake: asyncio.Event) -> None: ...


class SystemClock:
    """The real time."""

    def now(self) -> float:
        """Unix seconds."""
        return time.time()

    async def sleep(self, seconds: float, wake: asyncio.Event) -> None:
        """Wait ``seconds`` or until ``wake`` is set."""
        try:
            async with asyncio.timeout(max(seconds, 0.0)):
                await wake.wait()
        except TimeoutError:
            pass

"""An accelerated clock for simulations: simulated time advances by events, paced in real time."""

import asyncio
import math
from datetime import datetime, timedelta


class SimClock:
    """Simulated wall time; ``sleep_until`` jumps ahead, taking ``1/speed`` of the real time.

    With ``speed=math.inf`` nothing waits, which is what tests and benchmarks want.
    """

    def __init__(self, start: datetime, *, speed: float = math.inf) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start time")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._now = start
        self.speed = speed

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, moment: datetime) -> None:
        """Let simulated time reach ``moment`` (never goes backwards)."""
        if moment <= self._now:
            return
        if not math.isinf(self.speed):
            await asyncio.sleep((moment - self._now).total_seconds() / self.speed)
        self._now = moment

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + timedelta(seconds=seconds))

"""Discord snowflake ids: milliseconds since the Discord epoch, worker bits and a counter."""

from emulator.clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Hands out unique, time-ordered snowflakes from an injectable clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        millis = int(self._clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS
        candidate = max(millis, 0) << 22 | 1 << 17
        # Two ids minted in the same millisecond (or on a clock that went back) stay ordered.
        self._last = max(candidate, self._last + 1)
        return self._last

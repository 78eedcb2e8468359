"""Discord snowflake ids: milliseconds since the Discord epoch, worker bits and a counter."""

import hashlib
from datetime import timedelta

from emulator.rules.clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000

GUILD_AGES = timedelta(days=5 * 365)
"""How far back a guild's creation may lie. A bot joins guilds made over years, so their ids
(whose top bits are the creation time) spread over many milliseconds: sharding routes by
``guild_id >> 22`` (Discord's docs, Gateway > Sharding), and ids minted in one burst would
crowd a few shards."""

_NOW_WORKER = 1 << 17
_EARLIER_WORKER = 2 << 17


class Snowflakes:
    """Hands out unique, time-ordered snowflakes from an injectable clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0
        self._earlier: set[int] = set()
        self._draws = 0

    def _now_ms(self) -> int:
        return max(int(self._clock.now().timestamp() * 1000) - DISCORD_EPOCH_MS, 0)

    def next(self) -> int:
        candidate = self._now_ms() << 22 | _NOW_WORKER
        # Two ids minted in the same millisecond (or on a clock that went back) stay ordered.
        self._last = max(candidate, self._last + 1)
        return self._last

    def created_earlier(self, ages: timedelta = GUILD_AGES) -> int:
        """A unique id of something created up to ``ages`` ago, spread evenly and the same
        from run to run (the n-th call of an emulator always goes back as far)."""
        span = max(int(ages.total_seconds() * 1000), 1)
        while True:
            self._draws += 1
            digest = hashlib.blake2b(self._draws.to_bytes(8, "big"), digest_size=8).digest()
            millis = max(self._now_ms() - int.from_bytes(digest, "big") % span, 0)
            # Another worker than next()'s, so the two kinds never meet.
            candidate = millis << 22 | _EARLIER_WORKER | self._draws % 4096
            if candidate not in self._earlier:
                self._earlier.add(candidate)
                return candidate

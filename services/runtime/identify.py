"""When a session may IDENTIFY: Discord's ``max_concurrency`` buckets, for both sessions.

Discord's docs (discord/discord-api-docs, ``developers/events/gateway.mdx``): *Session Start
Limit Object*, ``max_concurrency`` is the "Number of identify requests allowed per 5
seconds"; *Sharding > Max Concurrency*, a shard's bucket is ``shard_id % max_concurrency``;
*Identifying*, "If your app exceeds this limit, Discord will respond with a Invalid Session
(opcode 9)". The gateway and the voice service hold sessions with the same token, so each
IDENTIFY of one counts against the other's bucket; *Identifying* also caps IDENTIFYs at 1,000
a day, after which the token is reset: a session refused with op 9 must wait, never loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bus.clock import STEADY, Clock

log = logging.getLogger(__name__)

IDENTIFY_WINDOW = 5.0
"""Seconds per ``max_concurrency`` bucket (Session Start Limit Object)."""


@dataclass(slots=True)
class IdentifyPacer:
    """One IDENTIFY per bucket (``shard_id % max_concurrency``) per ``window`` seconds.

    nextcord sleeps a fixed 5 s before every IDENTIFY but the first and never reads
    ``max_concurrency``; this replaces that wait. A timer, so real monotonic time; the first
    IDENTIFY of a process goes at once (an op 9 brings it back here, where it waits).
    """

    window: float = IDENTIFY_WINDOW
    max_concurrency: int = 1
    monotonic: Clock = STEADY
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _last: dict[int, float] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self, shard_id: int) -> None:
        """Return when ``shard_id`` may IDENTIFY, and count it as having done so."""
        key = shard_id % self.max_concurrency
        async with self._lock:  # buckets start in order, one caller at a time
            previous = self._last.get(key)
            if previous is not None:
                left = previous + self.window - self.monotonic.now()
                if left > 0:
                    log.debug("shard %s waits %.2fs for its IDENTIFY bucket", shard_id, left)
                    await self.sleep(left)
            self._last[key] = self.monotonic.now()

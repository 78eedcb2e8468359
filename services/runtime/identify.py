"""When a session may IDENTIFY: Discord's ``max_concurrency`` buckets, for both programs.

Discord's docs (discord/discord-api-docs, ``developers/events/gateway.mdx``): *Session Start
Limit Object*, ``max_concurrency`` is the "Number of identify requests allowed per 5
seconds"; *Sharding > Max Concurrency*, a shard's bucket is ``shard_id % max_concurrency``;
*Identifying*, "If your app exceeds this limit, Discord will respond with a Invalid Session
(opcode 9)", and IDENTIFYs are capped at 1,000 a day, after which the token is reset: a
session refused with op 9 must wait, never loop.

The buckets and the daily budget are the bot's, not a process's: they count "the current
user" (the Session Start Limit Object's ``remaining``), so the gateway's and the voice
service's sessions, which use the same token, draw on the same buckets. Libraries that shard
over several processes share one queue for that (twilight's ``twilight-gateway-queue``, "Each
identify interval may be filled by shards' IDs modulo max_concurrency", and its HTTP
``gateway-queue`` for processes that do not talk to each other). Here both programs record
their IDENTIFYs in one ledger file in the runtime directory, under an exclusive ``flock``:

- not over the bus, because the voice service must start, and restart, whether or not the
  gateway or the broker is up (DESIGN.md: voice may crash without taking the rest down), and
  an IDENTIFY waiting on a reply from a gateway that is itself identifying would deadlock;
- not "in the slots the gateway does not use", which needs the gateway's schedule, and the
  gateway restarts, re-identifies after op 9 and reshards after 4011 whenever Discord says;
- a file lock is released by the kernel when its holder dies, so a killed program never
  holds the others back, and the ledger keeps the stamps across a restart of either, which
  is what stops a crash loop from spending the bucket twice.

The stamps are ``time.monotonic()``: on Linux ``CLOCK_MONOTONIC``, one clock for every
process of the host (Python's docs, ``time.monotonic``), and the runtime directory is local
to the host by design; a stamp ahead of the clock (left by a previous boot) is ignored.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bus.clock import STEADY, Clock

log = logging.getLogger(__name__)

IDENTIFY_WINDOW = 5.0
"""Seconds per ``max_concurrency`` bucket (Session Start Limit Object)."""

IDENTIFY_LEDGER = "identify.json"
"""The file, in the runtime directory, where both programs stamp each bucket's IDENTIFY."""


@dataclass(slots=True)
class IdentifyPacer:
    """One IDENTIFY per bucket (``shard_id % max_concurrency``) per ``window`` seconds.

    nextcord sleeps a fixed 5 s before every IDENTIFY but the first and never reads
    ``max_concurrency``; this replaces that wait. A timer, so real monotonic time. With a
    ``ledger`` (the runtime directory's ``IDENTIFY_LEDGER``) the buckets are shared with
    the bot's other program; without, they are this process's alone (a test's).
    """

    window: float = IDENTIFY_WINDOW
    max_concurrency: int = 1
    monotonic: Clock = STEADY
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ledger: Path | None = None
    _last: dict[str, float] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self, shard_id: int) -> None:
        """Return when ``shard_id`` may IDENTIFY, and count it as having done so."""
        key = str(shard_id % self.max_concurrency)
        async with self._lock:  # buckets start in order, one caller at a time
            while (left := self._claim(key)) > 0:
                log.debug("shard %s waits %.2fs for its IDENTIFY bucket", shard_id, left)
                await self.sleep(left)

    def _claim(self, key: str) -> float:
        """0 once ``key``'s bucket is counted as used now; else the seconds left in it.

        The ledger's lock is held for one read and one write of a few bytes, never across
        an await: the other program's wait is on its own loop, in ``sleep``.
        """
        if self.ledger is not None:
            try:
                return self._claim_shared(self.ledger, key)
            except OSError as error:
                # Never a reason not to connect: this program paces alone from here on,
                # and the worst is one op 9 from Discord, which the pacer waits out.
                log.warning("IDENTIFY pacing is not shared any more (%s: %s)", self.ledger, error)
                self.ledger = None
        return claim(self._last, key, self.monotonic.now(), self.window)

    def _claim_shared(self, ledger: Path, key: str) -> float:
        ledger.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(ledger, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)  # released by close, or by the kernel at death
            stamps = _read_stamps(file.read())
            left = claim(stamps, key, self.monotonic.now(), self.window)
            if left <= 0:
                file.seek(0)
                file.truncate()
                file.write(json.dumps(stamps))
            return left


def claim(stamps: dict[str, float], key: str, now: float, window: float) -> float:
    """Count ``key`` as identifying at ``now`` in ``stamps`` and return 0, or return the
    seconds left of its window; a stamp ahead of ``now`` is another boot's and is ignored."""
    previous = stamps.get(key)
    if previous is not None and previous <= now:
        left = previous + window - now
        if left > 0:
            return left
    stamps[key] = now
    return 0.0


def _read_stamps(text: str) -> dict[str, float]:
    """The ledger's stamps; an empty or damaged ledger is an empty one (the worst is one
    op 9, which the pacer waits out)."""
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}

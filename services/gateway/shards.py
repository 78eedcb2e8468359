"""The gateway's member requests on a sharded session (the shards themselves, their count
and their IDENTIFYs are ``services/runtime/sharding.py``, shared with the voice service).

Discord's rule (discord/discord-api-docs, ``developers/events/gateway.mdx``):
- the change log's *Introducing Rate Limit When Requesting All Guild Members* (in force
  since 2025-10-01): one request for all members per guild every 30 s, else a
  ``RATE_LIMITED`` dispatch with ``retry_after``. nextcord 3.2 does not know that event: its
  member request would stay unanswered, so :func:`retry_after_rate_limit` sends it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MembersRateLimited:
    """A ``RATE_LIMITED`` dispatch for Request Guild Members (opcode 8)."""

    guild_id: int
    nonce: str | None
    retry_after: float

    @classmethod
    def parse(cls, data: dict[str, Any]) -> MembersRateLimited | None:
        """The event when it is about op 8 and well formed; None for anything else."""
        meta = data.get("meta")
        if data.get("opcode") != 8 or not isinstance(meta, dict):
            return None
        try:
            guild_id = int(meta["guild_id"])
            retry_after = max(float(data["retry_after"]), 0.0)
        except (KeyError, TypeError, ValueError):
            return None
        nonce = meta.get("nonce")
        return cls(guild_id, nonce if isinstance(nonce, str) else None, retry_after)


type Chunker = Callable[[int, str | None], Awaitable[None]]


async def retry_after_rate_limit(
    limited: MembersRateLimited,
    chunker: Chunker,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Wait what Discord said, then ask for the guild's members again with the same nonce,
    so nextcord's pending chunk request is the one answered."""
    log.info(
        "member request for guild %s rate limited: retrying in %.2fs",
        limited.guild_id,
        limited.retry_after,
    )
    await sleep(limited.retry_after)
    await chunker(limited.guild_id, limited.nonce)

"""How the gateway shards: how many shards, when each may IDENTIFY, and member requests.

Discord's rules (discord/discord-api-docs, ``developers/events/gateway.mdx``):
- *Get Gateway Bot* recommends a shard count and tells ``session_start_limit``, whose
  ``max_concurrency`` is the "Number of identify requests allowed per 5 seconds";
- *Sharding > Max Concurrency*: a shard's bucket is ``shard_id % max_concurrency``, buckets
  start in order; beyond that Discord answers op 9 (*Identifying*), which nextcord meets by
  identifying again, through ``services/runtime/identify.py``'s pacer once more;
- close 4011 "Sharding required" (*Opcodes and Status Codes*): the session would hold more
  than 2,500 guilds; the gateway then asks again for the recommended count;
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

from nextcord.http import HTTPClient, Route

log = logging.getLogger(__name__)

INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
SHARD_REFUSALS = frozenset({INVALID_SHARD, SHARDING_REQUIRED})
"""Closes that every shard of the same count would meet too."""


@dataclass(frozen=True, slots=True)
class GatewayBot:
    """What ``GET /gateway/bot`` says about starting sessions."""

    shards: int
    max_concurrency: int
    remaining: int
    reset_after: float


async def gateway_bot(http: HTTPClient) -> GatewayBot:
    """Ask Discord (nextcord's own call keeps only the shard count and the URL)."""
    data: dict[str, Any] = await http.request(Route("GET", "/gateway/bot"))
    limit = data.get("session_start_limit") or {}
    return GatewayBot(
        shards=max(int(data.get("shards", 1)), 1),
        max_concurrency=max(int(limit.get("max_concurrency", 1)), 1),
        remaining=int(limit.get("remaining", 1)),
        reset_after=float(limit.get("reset_after", 0)) / 1000,
    )


def shard_count_after_4011(recommended: int, refused: int) -> int:
    """The count to try after ``refused`` shards met 4011: Discord's recommendation, or one
    more than what was refused when the recommendation is not yet larger."""
    return max(recommended, refused + 1)


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

"""The bot's sharded gateway sessions, as the gateway and the voice service both hold them.

Discord's rules (discord/discord-api-docs, ``developers/events/gateway.mdx``):
- *Get Gateway Bot* recommends a shard count and tells ``session_start_limit``, whose
  ``max_concurrency`` is the "Number of identify requests allowed per 5 seconds" and whose
  ``remaining`` is what is left of the bot's daily session starts;
- *Sharding*: "Each shard can only support a maximum of 2500 guilds"; past that the session
  is closed with 4011 "Sharding required" (*Opcodes and Status Codes*), and a shard count
  Discord does not accept with 4010 "Invalid shard";
- *Sharding > Max Concurrency*: a shard's IDENTIFY bucket is ``shard_id % max_concurrency``
  (``services/runtime/identify.py`` paces them, for both programs at once).

Both programs take the same count (``SQUADTIME_GATEWAY_SHARDS``, 0 for Discord's): a guild's
voice connection goes over the voice service's session for the guild's shard, and with the
same count both programs' sessions of one shard are the same IDENTIFY bucket, so the shared
pacing wastes no slot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import nextcord
from nextcord.http import HTTPClient, Route

from services.runtime.discord import hold_session
from services.runtime.identify import IDENTIFY_WINDOW, IdentifyPacer
from services.runtime.settings import SettingsError

log = logging.getLogger(__name__)

SHARDS_ENV = "SQUADTIME_GATEWAY_SHARDS"
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
SHARD_REFUSALS = frozenset({INVALID_SHARD, SHARDING_REQUIRED})
"""Closes that every shard of the same count would meet too."""


def shard_setting(env: Mapping[str, str]) -> int:
    """``SQUADTIME_GATEWAY_SHARDS``: a shard count, or 0 for Discord's; raise SettingsError."""
    raw = env.get(SHARDS_ENV, "0").strip() or "0"
    if not raw.isdigit():
        raise SettingsError(f"{SHARDS_ENV}={raw!r} must be a whole number (0: Discord's advice)")
    return int(raw)


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


class ShardedSession(nextcord.AutoShardedClient):
    """nextcord's sharded client, IDENTIFYs paced by ``pacer``, ended at once by a refusal.

    Why nextcord's sharded client in one process rather than one process per shard range:
    one Pi holds a few thousand guilds at most, a handful of shards; in one process they
    share one cache and one REST rate limiter (Discord's global limit is per bot), and
    nextcord routes each guild's voice and member requests to its shard's socket.
    ``generation`` counts the caches the client has held (one more after each ``reopen``).
    """

    def __init__(self, *, pacer: IdentifyPacer, shard_count: int | None, **options: Any) -> None:
        super().__init__(shard_count=shard_count, **options)
        self.pacer = pacer
        self.generation = 1
        self._refused: asyncio.Future[nextcord.ConnectionClosed] | None = None

    async def reopen(self, shard_count: int | None) -> None:
        """Make the client usable again after nextcord closed it for a close code (4011).

        ``clear`` resets the state and recreates the HTTP session; nextcord's close also
        left a "clean close" item in its shard event queue and its "shards launched" flag
        set, which would end the next ``connect`` at once and announce READY before every
        shard is up: both are reset here.
        """
        await self.clear()
        self._AutoShardedClient__queue: asyncio.PriorityQueue[Any] = asyncio.PriorityQueue()
        self._connection.shards_launched.clear()
        self.shard_count = shard_count
        self.generation += 1

    async def connect(self, *, reconnect: bool = True) -> None:
        """nextcord's ``connect``, ended as soon as Discord refuses the shard count.

        nextcord launches every shard, each after its IDENTIFY wait, before it reads the
        first shard's close: told 4010 or 4011 by shard 0, it would still identify the
        others (5 s apart with ``max_concurrency`` 1), each to be refused as well, before
        raising. Here the refusal ends the launch at once and is raised as nextcord would.
        """
        self._refused = refused = asyncio.get_running_loop().create_future()
        session = asyncio.create_task(super().connect(reconnect=reconnect), name="shards")
        either: set[asyncio.Future[Any]] = {session, refused}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not session.done():
                session.cancel()
                await asyncio.wait({session})
        if not session.cancelled():
            return session.result()
        await self.close()
        raise refused.result()

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """Note a close that no shard count survives (see ``connect``)."""
        socket = self._get_websocket(shard_id=shard_id).socket
        refused = self._refused
        if socket.close_code in SHARD_REFUSALS and refused is not None and not refused.done():
            refused.set_result(
                nextcord.ConnectionClosed(socket, shard_id=shard_id, code=socket.close_code)
            )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Pace IDENTIFYs by Discord's ``max_concurrency`` buckets, shared by both programs."""
        await self.pacer.wait(shard_id or 0)


async def plan_shards(client: ShardedSession, name: str, refused: int = 0) -> None:
    """Set the shard count and ``max_concurrency`` from ``GET /gateway/bot``, once the bot's
    daily session starts cover every shard of this program.

    *Session Start Limit Object*: ``remaining`` is what the bot (both programs: the count is
    the token's) may still start today, ``reset_after`` when that refills; *Identifying*:
    past the limit Discord resets the bot's token. So a program that would need more starts
    than are left waits for the refill instead of spending the last ones, and asks again.
    """
    while True:
        bot = await gateway_bot(client.http)
        count = client.shard_count or shard_count_after_4011(bot.shards, refused)
        if bot.remaining >= count:
            break
        wait = max(bot.reset_after, IDENTIFY_WINDOW)  # never a busy loop on a 0 answer
        log.error(
            "%s: %s session start(s) left today for %s shard(s): waiting %.0f s for Discord's"
            " daily reset (a crash loop spent them?)",
            name,
            bot.remaining,
            count,
            wait,
        )
        await asyncio.sleep(wait)
    client.pacer.max_concurrency = bot.max_concurrency
    client.shard_count = count
    log.info(
        "%s: %s shard(s), max_concurrency %s, %s session starts left today",
        name,
        count,
        bot.max_concurrency,
        bot.remaining,
    )


@dataclass(frozen=True, slots=True)
class Login:
    """How to log a session in: the token, the Discord at ``api_base``, the name for logs."""

    token: str
    api_base: str
    name: str


async def hold_sharded(
    client: ShardedSession,
    login: Login,
    ready: asyncio.Event,
    logged_in: Callable[[], None] | None = None,
) -> None:
    """Hold the sessions; when Discord closes one with 4011 (the session would hold too
    many guilds), connect again with Discord's recommended shard count.

    Raises what ``hold_session`` raises, and ``ConnectionClosed`` 4010: the caller decides
    what that means for its process.
    """
    refused = 0

    async def plan() -> None:
        await plan_shards(client, login.name, refused)

    while True:
        try:
            await hold_session(
                client,
                login.token,
                login.api_base,
                ready,
                name=login.name,
                logged_in=logged_in,
                prepare=plan,
            )
        except nextcord.ConnectionClosed as closed:
            if closed.code != SHARDING_REQUIRED:
                raise
            refused = client.shard_count or 1
            log.warning(
                "Discord requires sharding (close 4011) with %s shard(s): connecting again",
                refused,
            )
            await client.reopen(None)
        else:
            return

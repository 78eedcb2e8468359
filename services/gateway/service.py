"""The gateway service: the bot's one voice to Discord.

It holds the bot's gateway session (``client.py``), turns Discord events into
bus events (``events.py``), carries out the other services' commands as REST
calls (``commands.py``) and relays interactions to their owners
(``interactions.py``). A token Discord refuses, or a privileged intent the
developer portal has not enabled, ends the process with ``EXIT_CONFIG`` so
supervisord does not restart it in a loop that spends the daily IDENTIFYs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import nextcord

from bus.clock import wall_time
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    Envelope,
    GatewayRequest,
    GuildSnapshot,
    Reply,
    Request,
)
from services.gateway.client import GatewayClient
from services.gateway.commands import Commands
from services.gateway.config import GatewayConfig
from services.gateway.events import EventPublisher
from services.gateway.interactions import InteractionRelay
from services.gateway.pending import OpenInteractions
from services.gateway.redact import redact_interaction_tokens
from services.gateway.registry import CommandRegistry
from services.gateway.rest import Rest
from services.gateway.snapshot import guild_snapshot
from services.runtime.discord import close_session
from services.runtime.identify import IDENTIFY_LEDGER, IdentifyPacer
from services.runtime.service import EXIT_CONFIG, Runtime
from services.runtime.sharding import INVALID_SHARD, SHARDS_ENV, Login, hold_sharded

log = logging.getLogger(__name__)

SETUP_DOC = "docs/discord-setup.md"


class Gateway:
    """squadtime's gateway: the bot's one session with Discord."""

    name = "gateway"
    description = "squadtime's gateway: the bot's one session with Discord."

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.exit_code = 0  # EXIT_CONFIG when Discord refused the bot's credentials
        self.client: GatewayClient | None = None
        self.commands: Commands | None = None
        self.relay: InteractionRelay | None = None
        self.ready = asyncio.Event()

    async def setup(self, runtime: Runtime) -> None:
        """Keep tokens out of the log and build the client before requests can arrive."""
        runtime.redactor.add(self.config.token)
        redact_interaction_tokens(logging.getLogger())
        counters = runtime.bus.counters
        calendar = runtime.settings.calendar

        def count_retry() -> None:
            counters.retried += 1

        client = GatewayClient(
            guild_ready_timeout=self.config.guild_ready_timeout,
            on_rate_limit=count_retry,
            pacer=IdentifyPacer(
                window=self.config.identify_window,
                ledger=runtime.settings.runtime_dir / IDENTIFY_LEDGER,
            ),
            tasks=runtime.tasks,
            shard_count=self.config.shards or None,
        )
        registry = CommandRegistry(runtime.settings.data_dir / "gateway" / "commands.json")
        pending = OpenInteractions(runtime.settings.data_dir / "gateway" / "interactions.json")
        rest = Rest(client.http, 0, closed=client.is_closed)
        self.relay = InteractionRelay(
            runtime.bus, rest, registry, self.config, runtime.tasks, pending, calendar
        )
        self.commands = Commands(
            rest,
            registry,
            self.relay.follow_up,
            lambda after: _snapshots_after(client, after, calendar.now()),
            lambda: client.user.id if client.user is not None else 0,
            lambda: f"{runtime.bus.instance}/{client.generation}",
        )
        client.publisher = EventPublisher(runtime.bus, client, calendar)
        client.relay = self.relay
        self.client = client

    async def run(self, runtime: Runtime) -> None:
        """Log in and hold the session until stopped; refused credentials end the process."""
        assert self.client is not None
        assert self.commands is not None
        client, rest = self.client, self.commands.rest

        def logged_in() -> None:
            assert client.user is not None
            rest.application_id = client.application_id or client.user.id

        try:
            login = Login(self.config.token, self.config.api_base, "gateway")
            await hold_sharded(client, login, self.ready, logged_in)
        except nextcord.LoginFailure:
            self._refuse(runtime, "Discord refused the bot token (check DISCORD_TOKEN)")
        except nextcord.PrivilegedIntentsRequired:
            self._refuse(
                runtime,
                "Discord refused the Server Members intent: enable it in the developer portal"
                f" (see {SETUP_DOC})",
            )
        except nextcord.ConnectionClosed as closed:
            if closed.code != INVALID_SHARD:
                raise
            self._refuse(
                runtime,
                f"Discord refused {client.shard_count} shard(s) (close 4010, invalid shard):"
                f" set {SHARDS_ENV} to 0 to take Discord's count, or to a multiple of the"
                " shard count Discord gave the bot",
            )
        finally:
            await asyncio.shield(self._close())

    def _refuse(self, runtime: Runtime, reason: str) -> None:
        log.error("cannot start: %s", reason)
        self.exit_code = EXIT_CONFIG
        runtime.stopping.set()

    async def _close(self) -> None:
        if self.client is not None:
            await close_session(self.client)

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply:
        """Carry out a command from another service (see bus/protocol/gateway.py)."""
        assert self.commands is not None
        if not isinstance(request, GatewayRequest):  # the union: a new command is served
            raise RequestRefused(
                ErrorCode.UNKNOWN_REQUEST, "the gateway does not serve this request"
            )
        await self._until_ready(envelope)
        return await self.commands.handle(request, envelope.deadline)

    async def _until_ready(self, envelope: Envelope) -> None:
        """Wait for the session, but only as long as the requester still waits for us."""
        if self.ready.is_set():
            return
        left = (envelope.deadline - wall_time() - 0.2) if envelope.deadline else 10.0
        try:
            async with asyncio.timeout(max(left, 0.0)):
                await self.ready.wait()
        except TimeoutError:
            raise RequestRefused(
                ErrorCode.NOT_READY, "the gateway is still connecting to Discord; try again"
            ) from None


def _snapshots_after(client: nextcord.Client, after: int, now: float) -> Iterator[GuildSnapshot]:
    """The cache's guilds above ``after`` in id order (FetchGuilds' cursor), each snapshot
    made only when a page takes it."""
    for guild in sorted((g for g in client.guilds if g.id > after), key=lambda g: g.id):
        yield guild_snapshot(guild, now)

"""Bus commands to the gateway, carried out as Discord REST calls.

``Commands.handle`` routes each command to the module that carries it out (``messages``,
``scheduled_events``) or, for the slash commands' registration, to ``register`` here.
Each handler returns the command's typed reply or raises ``RequestRefused``
(Discord's own code and message when Discord refused).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import assert_never

import aiohttp

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    AddReactions,
    CreateScheduledEvent,
    DeleteMessage,
    Done,
    EditMessage,
    EditScheduledEvent,
    FetchEventInterested,
    FetchGuilds,
    FetchMessage,
    FetchRecentMessages,
    FetchScheduledEvents,
    GatewayReply,
    GatewayRequest,
    GuildSnapshot,
    Interaction,
    InteractionFollowUp,
    MessageSent,
    OpenDirectMessage,
    RegisterCommands,
    RemoveReactions,
    SendMessage,
    SetVoiceStatus,
)
from services.gateway import messages, scheduled_events, voice_status
from services.gateway.pages import guild_page, page_budget
from services.gateway.registry import CommandRegistry, same_commands
from services.gateway.rest import JSON, Rest

log = logging.getLogger(__name__)

COMMANDS_ROUTE = "/applications/{application_id}/commands"
HELD_FOR = 60.0
"""Seconds a read of Discord's commands stands for the owners registering after it: long
enough for every owner of one start, short enough that an owner restarted later checks
Discord again (commands may have been deleted there meanwhile)."""

FollowUp = Callable[[InteractionFollowUp], Awaitable[MessageSent]]
Snapshots = Callable[[int], Iterable[GuildSnapshot]]
"""The cache's guilds with an id above the one given, in id order, snapshot by snapshot."""
BotId = Callable[[], int]


@dataclass(frozen=True, slots=True)
class _Held:
    """The global commands Discord holds for ``application_id``, as Discord answered."""

    application_id: int
    commands: list[JSON]
    read_at: float = field(default_factory=time.monotonic)

    def stands_for(self, application_id: int) -> bool:
        return self.application_id == application_id and time.monotonic() - self.read_at < HELD_FOR


class Commands:
    """Carries out GatewayRequests with the gateway's REST access."""

    def __init__(
        self,
        rest: Rest,
        registry: CommandRegistry,
        follow_up: FollowUp,
        snapshots: Snapshots = lambda _after: (),
        bot_id: BotId = int,
        epoch: Callable[[], str] = str,
    ) -> None:
        self.rest = rest
        self.registry = registry
        self._follow_up = follow_up
        self._snapshots = snapshots
        self._bot_id = bot_id
        self._epoch = epoch
        self._held: _Held | None = None  # Discord's global commands, as last seen
        self._syncing = asyncio.Lock()

    async def handle(self, request: GatewayRequest, deadline: float = 0.0) -> GatewayReply:
        """Carry out ``request``; ``deadline`` (wall-clock seconds, 0 for none) is when its
        requester stops waiting for the answer."""
        rest = self.rest
        match request:
            case SendMessage():
                return await messages.send(rest, request)
            case EditMessage():
                return await messages.edit(rest, request)
            case DeleteMessage():
                return await messages.delete(rest, request)
            case OpenDirectMessage():
                return await messages.open_direct(rest, request)
            case AddReactions():
                return await messages.own_reactions(rest, "PUT", request, deadline)
            case RemoveReactions():
                return await messages.own_reactions(rest, "DELETE", request, deadline)
            case FetchMessage():
                return await messages.fetch(rest, request)
            case FetchRecentMessages():
                return await messages.recent(rest, request, self._bot_id)
            case CreateScheduledEvent():
                return await scheduled_events.create(rest, request)
            case EditScheduledEvent():
                return await scheduled_events.edit(rest, request)
            case FetchScheduledEvents():
                return await scheduled_events.fetch(rest, request)
            case FetchEventInterested():
                return await scheduled_events.interested(rest, request, self._bot_id())
            case SetVoiceStatus():
                return await voice_status.set_status(rest, request)
            case FetchGuilds():
                budget = page_budget(request)
                return guild_page(self._snapshots(request.after), budget, self._epoch())
            case RegisterCommands():
                return await self.register(request)
            case InteractionFollowUp():
                return await self._follow_up(request)
            case Interaction():
                raise RequestRefused(
                    ErrorCode.BAD_REQUEST, "interactions go from the gateway to owners"
                )
            case _:
                assert_never(request)

    async def register(self, request: RegisterCommands) -> Done:
        """Take ``request.owner``'s commands, then make Discord's global list the union.

        Owners register one after another at start; the lock makes the first one fetch
        Discord's list and the later ones compare with the copy kept from that fetch (or
        from the last overwrite's answer, for ``HELD_FOR``), so a start costs one GET, and
        a PUT only for an owner whose commands Discord does not hold yet. An owner waiting
        on the lock may find its commands already sent by the previous owner's overwrite.
        """
        self.registry.register(request.owner, request.commands)
        async with self._syncing:
            wanted = self.registry.discord_commands()
            held = await self._held_commands()
            if held is not None and same_commands(wanted, held):
                log.debug("Discord already holds the slash commands of %s", request.owner)
                return Done()
            # "Bulk Overwrite Global Application Commands": the list replaces every global
            # command of the application and the answer is the new list; commands that do
            # not already exist count toward the daily create limit, which is why an
            # unchanged list is never sent.
            self._held = None  # unknown until Discord answers: a failed PUT may have applied
            answer = await self.rest.call(
                "PUT",
                COMMANDS_ROUTE,
                body=wanted,
                application_id=self.rest.application_id,
            )
            self._held = _Held(self.rest.application_id, list(answer or []))
            log.info("uploaded slash commands for %s", request.owner)
        return Done()

    async def _held_commands(self) -> list[JSON] | None:
        """Discord's global commands for this application, read again only when the last
        read is stale; None if they cannot be read.

        "Get Global Application Commands" gives full localization dictionaries only with
        ``with_localizations`` (otherwise the requester's locale alone), and those are
        part of the comparison.
        """
        application_id = self.rest.application_id
        if self._held is not None and self._held.stands_for(application_id):
            return self._held.commands
        try:
            found = await self.rest.call(
                "GET",
                COMMANDS_ROUTE,
                params={"with_localizations": "true"},
                application_id=application_id,
            )
        except (RequestRefused, aiohttp.ClientError, OSError) as error:
            if isinstance(error, RequestRefused) and error.code == ErrorCode.UNAVAILABLE:
                raise  # stopping: nothing to upload to
            # Not knowing costs one overwrite, which is always right; not trying would
            # leave the bot without commands.
            log.warning("could not read the bot's commands from Discord (%s); uploading", error)
            return None
        self._held = _Held(application_id, list(found or []))
        return self._held.commands

"""Bus commands to the gateway, carried out as Discord REST calls.

Each handler returns the command's typed reply or raises ``RequestRefused``
(Discord's own code and message when Discord refused).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import assert_never

import aiohttp

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    AddReactions,
    CreateScheduledEvent,
    DeleteMessage,
    DirectChannel,
    Done,
    EditMessage,
    EditScheduledEvent,
    FetchGuilds,
    FetchMessage,
    FetchRecentMessages,
    FetchScheduledEvents,
    GatewayReply,
    GatewayRequest,
    GuildsFetched,
    GuildSnapshot,
    Interaction,
    InteractionFollowUp,
    MessageFetched,
    MessageSent,
    MessageSummary,
    OpenDirectMessage,
    ReactionUsers,
    RecentMessages,
    RegisterCommands,
    RemoveReactions,
    ScheduledEventFacts,
    ScheduledEventReply,
    ScheduledEventsReply,
    SendMessage,
)
from services.gateway.registry import CommandRegistry, same_commands
from services.gateway.rest import JSON, Rest
from services.runtime.clock import wall_time

log = logging.getLogger(__name__)

REACTION_PAGE = 100  # Discord's largest page of reaction users
COMMANDS_ROUTE = "/applications/{application_id}/commands"
HELD_FOR = 60.0
"""Seconds a read of Discord's commands stands for the owners registering after it: long
enough for every owner of one start, short enough that an owner restarted later checks
Discord again (commands may have been deleted there meanwhile)."""

FollowUp = Callable[[InteractionFollowUp], Awaitable[MessageSent]]
Snapshots = Callable[[], list[GuildSnapshot]]
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
        snapshots: Snapshots = list,
        bot_id: BotId = int,
    ) -> None:
        self.rest = rest
        self.registry = registry
        self._follow_up = follow_up
        self._snapshots = snapshots
        self._bot_id = bot_id
        self._held: _Held | None = None  # Discord's global commands, as last seen
        self._syncing = asyncio.Lock()

    async def handle(self, request: GatewayRequest, deadline: float = 0.0) -> GatewayReply:
        """Carry out ``request``; ``deadline`` (wall-clock seconds, 0 for none) is when its
        requester stops waiting for the answer."""
        match request:
            case SendMessage():
                sent = await self.rest.send(
                    request.channel_id,
                    request.content,
                    request.components,
                    request.files,
                    notify=request.notify,
                    nonce=request.nonce,
                )
                return MessageSent(channel_id=request.channel_id, message_id=int(sent["id"]))
            case CreateScheduledEvent():
                # Discord's Guild Scheduled Event: privacy_level 2 (GUILD_ONLY) is the only
                # one; entity_type 2 (VOICE) needs the channel and no location.
                created = await self.rest.call(
                    "POST",
                    "/guilds/{guild_id}/scheduled-events",
                    body={
                        "name": request.name,
                        "description": request.description,
                        "privacy_level": 2,
                        "entity_type": 2,
                        "channel_id": str(request.channel_id),
                        "scheduled_start_time": _iso(request.start),
                        "scheduled_end_time": _iso(request.end),
                    },
                    guild_id=request.guild_id,
                )
                return ScheduledEventReply(event=_event(created))
            case EditScheduledEvent():
                body: JSON = {}
                if request.name:
                    body["name"] = request.name
                if request.description:
                    body["description"] = request.description
                if request.status:
                    body["status"] = request.status
                changed = await self.rest.call(
                    "PATCH",
                    "/guilds/{guild_id}/scheduled-events/{event_id}",
                    body=body,
                    guild_id=request.guild_id,
                    event_id=request.event_id,
                )
                return ScheduledEventReply(event=_event(changed))
            case FetchScheduledEvents():
                found = await self.rest.call(
                    "GET", "/guilds/{guild_id}/scheduled-events", guild_id=request.guild_id
                )
                return ScheduledEventsReply(events=[_event(item) for item in found])
            case OpenDirectMessage(user_id=user_id):
                # Discord: "Create DM" returns the existing DM channel when there is one.
                channel = await self.rest.call(
                    "POST", "/users/@me/channels", body={"recipient_id": str(user_id)}
                )
                return DirectChannel(user_id=user_id, channel_id=int(channel["id"]))
            case EditMessage():
                await self.rest.edit(
                    request.channel_id,
                    request.message_id,
                    request.content,
                    request.components,
                    request.files,
                )
                return MessageSent(channel_id=request.channel_id, message_id=request.message_id)
            case DeleteMessage():
                await self.rest.call(
                    "DELETE",
                    "/channels/{channel_id}/messages/{message_id}",
                    channel_id=request.channel_id,
                    message_id=request.message_id,
                )
                return Done()
            case AddReactions():
                return await self._own_reactions("PUT", request, deadline)
            case RemoveReactions():
                return await self._own_reactions("DELETE", request, deadline)
            case FetchMessage():
                return await self._fetch(request)
            case FetchRecentMessages():
                return await self._recent(request)
            case FetchGuilds():
                return GuildsFetched(guilds=self._snapshots())
            case RegisterCommands():
                await self.register(request)
                return Done()
            case InteractionFollowUp():
                return await self._follow_up(request)
            case Interaction():
                raise RequestRefused(
                    ErrorCode.BAD_REQUEST, "interactions go from the gateway to owners"
                )
            case _:
                assert_never(request)

    async def register(self, request: RegisterCommands) -> None:
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
                return
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

    async def _fetch(self, request: FetchMessage) -> MessageFetched:
        message: JSON = await self.rest.call(
            "GET",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=request.channel_id,
            message_id=request.message_id,
        )
        reactions = []
        for reaction in message.get("reactions") or []:
            emoji = reaction["emoji"]
            text = f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else str(emoji["name"])
            users = await self._reaction_users(request, text)
            reactions.append(
                ReactionUsers(emoji=text, count=int(reaction["count"]), user_ids=users)
            )
        return MessageFetched(
            channel_id=request.channel_id,
            message_id=request.message_id,
            author_id=int(message["author"]["id"]),
            content=str(message.get("content", "")),
            reactions=reactions,
        )

    async def _own_reactions(
        self, method: str, request: AddReactions | RemoveReactions, deadline: float
    ) -> Done:
        # One at a time, in order: Discord shows reactions in the order they were added.
        for done, emoji in enumerate(request.emojis):
            if deadline and wall_time() >= deadline:
                # Nobody waits for the rest: the requester gave up (a new day's message).
                log.info(
                    "stopped after %d of %d reactions: past the deadline", done, len(request.emojis)
                )
                break
            await self.rest.call(
                method,
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                channel_id=request.channel_id,
                message_id=request.message_id,
                emoji=emoji,
            )
        return Done()

    async def _recent(self, request: FetchRecentMessages) -> RecentMessages:
        if not 1 <= request.limit <= 100:
            raise RequestRefused(ErrorCode.BAD_REQUEST, f"limit is 1 to 100, not {request.limit}")
        page: list[JSON] = await self.rest.call(
            "GET",
            "/channels/{channel_id}/messages",
            params={"limit": request.limit},
            channel_id=request.channel_id,
        )
        return RecentMessages(
            channel_id=request.channel_id,
            messages=[
                MessageSummary(
                    message_id=int(message["id"]),
                    author_id=int(message["author"]["id"]),
                    content=str(message.get("content", "")),
                    mine=int(message["author"]["id"]) == self._bot_id(),
                )
                for message in page
            ],
        )

    async def _reaction_users(self, request: FetchMessage, emoji: str) -> list[int]:
        users: list[int] = []
        while True:
            params: dict[str, str | int] = {"limit": REACTION_PAGE}
            if users:
                params["after"] = users[-1]
            page: list[JSON] = await self.rest.call(
                "GET",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
                params=params,
                channel_id=request.channel_id,
                message_id=request.message_id,
                emoji=emoji,
            )
            users += [int(user["id"]) for user in page]
            if len(page) < REACTION_PAGE:
                return users


def _iso(instant: float) -> str:
    """ISO 8601 in UTC, as Discord's timestamps are written."""
    return datetime.fromtimestamp(instant, UTC).isoformat()


def _event(payload: JSON) -> ScheduledEventFacts:
    return ScheduledEventFacts(
        event_id=int(payload["id"]),
        name=str(payload.get("name") or ""),
        description=str(payload.get("description") or ""),
        status=int(payload.get("status") or 1),
    )

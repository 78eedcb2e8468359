"""The nextcord client: the bot's gateway sessions (one per shard), wired to the bus.

It asks Discord only for what the bot uses: guilds, members (privileged,
see docs/discord-setup.md), voice states, guild message reactions and guild
expressions (GUILD_EMOJIS_UPDATE: the hour emoji must be the guild's) and
scheduled events (who clicks "Interested" on an hour's event). It
never syncs application commands itself (the registry does, once, from the
owners' specs) and hands every interaction to the relay.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import nextcord

from bus.tasks import TaskSet
from services.gateway.events import EventPublisher
from services.gateway.interactions import InteractionRelay
from services.gateway.shards import MembersRateLimited, retry_after_rate_limit
from services.runtime.identify import IdentifyPacer
from services.runtime.sharding import ShardedSession

log = logging.getLogger(__name__)


def gateway_intents() -> nextcord.Intents:
    intents = nextcord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.voice_states = True
    intents.guild_reactions = True
    # GUILD_EXPRESSIONS (1 << 3) carries GUILD_EMOJIS_UPDATE (Discord's docs, Gateway >
    # List of Intents); GUILD_CREATE brings each guild's emoji whatever the intents.
    intents.emojis_and_stickers = True
    # GUILD_SCHEDULED_EVENTS (1 << 16) carries GUILD_SCHEDULED_EVENT_USER_ADD and _REMOVE, a
    # member's "Interested" click on the events made for called hours (Discord's docs, Gateway >
    # List of Intents; Gateway Events > Guild Scheduled Event User Add).
    intents.scheduled_events = True
    return intents


class GatewayClient(ShardedSession):
    """A nextcord client whose events become bus messages, over one session per shard.

    Sharded in one process (``ShardedSession`` says why): the bot has one member cache, one
    interaction relay and one REST rate limiter (Discord's global limit is per bot, so shards
    in one process share it without coordination). A shard range per process is the path
    past one host (docs/scaling.md), where the global limit must be shared.
    ``shard_count`` None asks Discord (``GET /gateway/bot``) for the recommended count.
    """

    def __init__(
        self,
        *,
        guild_ready_timeout: float,
        on_rate_limit: Callable[[], None],
        pacer: IdentifyPacer,
        tasks: TaskSet,
        shard_count: int | None = None,
    ) -> None:
        super().__init__(
            pacer=pacer,
            intents=gateway_intents(),
            shard_count=shard_count,
            guild_ready_timeout=guild_ready_timeout,
            max_messages=None,  # the bot never reads message contents: no message cache
            # Commands are uploaded by the registry; nextcord must neither add nor delete any.
            rollout_associate_known=False,
            rollout_delete_unknown=False,
            rollout_register_new=False,
            rollout_update_known=False,
            lazy_load_commands=False,
        )
        self.publisher: EventPublisher | None = None
        self.relay: InteractionRelay | None = None
        self._on_rate_limit = on_rate_limit
        self._tasks = tasks
        self._announced: set[int] = set()
        parsers = self._connection.parsers
        chunk = parsers["GUILD_MEMBERS_CHUNK"]

        def members_chunk(data: Any) -> None:
            chunk(data)
            self._chunk_arrived(data)

        parsers["GUILD_MEMBERS_CHUNK"] = members_chunk
        for name, interested in (
            ("GUILD_SCHEDULED_EVENT_USER_ADD", True),
            ("GUILD_SCHEDULED_EVENT_USER_REMOVE", False),
        ):
            parsers[name] = self._interest_parser(parsers[name], interested=interested)
        parsers["RATE_LIMITED"] = self._rate_limited

    async def on_connect(self) -> None:
        """Skip nextcord's command sync (it would GET and rewrite Discord's command list)."""

    def _interest_parser(
        self, parse: Callable[[Any], None], *, interested: bool
    ) -> Callable[[Any], None]:
        """nextcord's parser, after the click is published from the raw payload: nextcord
        drops a click on an event its cache does not hold (one created before a resume)."""

        def parser(data: Any) -> None:
            if self.publisher is not None and self.user is not None:
                self.publisher.interest(data, self.user.id, interested=interested)
            parse(data)

        return parser

    def _rate_limited(self, data: Any) -> None:
        """Discord refused a member request for now: ask again once the wait is over."""
        limited = MembersRateLimited.parse(data) if isinstance(data, dict) else None
        if limited is None:
            log.warning("ignoring a RATE_LIMITED event the gateway does not know: %r", data)
            return

        async def chunker(guild_id: int, nonce: str | None) -> None:
            await self._connection.chunker(guild_id, nonce=nonce)

        self._tasks.spawn(retry_after_rate_limit(limited, chunker), name="gateway.members-retry")

    def _chunk_arrived(self, data: Any) -> None:
        """A guild announced before its members all arrived (nextcord stops waiting for
        chunks after a while) is announced again with its whole roster."""
        if data.get("chunk_index", 0) + 1 < data.get("chunk_count", 1):
            return
        guild = self.get_guild(int(data["guild_id"]))
        if guild is not None and guild.id in self._announced and self.publisher is not None:
            self.publisher.snapshot(guild)

    def _announce(self, guild: nextcord.Guild) -> None:
        self._announced.add(guild.id)
        if self.publisher is not None:
            self.publisher.snapshot(guild)

    async def on_guild_available(self, guild: nextcord.Guild) -> None:
        self._announce(guild)

    async def on_guild_join(self, guild: nextcord.Guild) -> None:
        self._announce(guild)

    async def on_guild_channel_create(self, channel: nextcord.abc.GuildChannel) -> None:
        # A new channel may be set up as the daily or calls channel at once: the services'
        # rosters learn it from a fresh snapshot (channel changes are rare).
        if self.publisher is not None:
            self.publisher.snapshot(channel.guild)

    async def on_guild_channel_delete(self, channel: nextcord.abc.GuildChannel) -> None:
        if self.publisher is not None:
            self.publisher.snapshot(channel.guild)

    async def on_guild_channel_update(
        self, before: nextcord.abc.GuildChannel, after: nextcord.abc.GuildChannel
    ) -> None:
        if self.publisher is not None and (before.name, before.type) != (after.name, after.type):
            self.publisher.snapshot(after.guild)

    async def on_guild_emojis_update(
        self,
        guild: nextcord.Guild,
        before: Sequence[nextcord.Emoji],
        after: Sequence[nextcord.Emoji],
    ) -> None:
        if self.publisher is not None:
            self.publisher.emojis_changed(guild)

    async def on_raw_reaction_add(self, payload: nextcord.RawReactionActionEvent) -> None:
        if self.publisher is not None:
            self.publisher.reaction(payload)

    async def on_raw_reaction_remove(self, payload: nextcord.RawReactionActionEvent) -> None:
        if self.publisher is not None:
            self.publisher.reaction(payload)

    async def on_voice_state_update(
        self, member: nextcord.Member, before: nextcord.VoiceState, after: nextcord.VoiceState
    ) -> None:
        if self.publisher is not None:
            self.publisher.voice(member, before, after)

    async def on_member_join(self, member: nextcord.Member) -> None:
        if self.publisher is not None:
            self.publisher.member_changed(member)

    async def on_member_update(self, before: nextcord.Member, after: nextcord.Member) -> None:
        if self.publisher is not None:
            self.publisher.member_changed(after)

    async def on_user_update(self, before: nextcord.User, after: nextcord.User) -> None:
        if self.publisher is not None:
            self.publisher.user_changed(after)

    async def on_raw_member_remove(self, payload: nextcord.RawMemberRemoveEvent) -> None:
        if self.publisher is not None:
            self.publisher.member_left(payload)

    async def on_interaction(self, interaction: nextcord.Interaction[Any]) -> None:
        if self.relay is not None:
            await self.relay.relay(interaction)

    async def on_http_ratelimit(self, *_: object) -> None:
        """Discord answered 429 for one bucket; nextcord waits it out and retries: counted."""
        self._on_rate_limit()

    async def on_global_http_ratelimit(self, *_: object) -> None:
        """Discord answered 429 for the bot's global limit; waited out and retried: counted."""
        self._on_rate_limit()

    async def on_error(self, event_method: str, *args: object, **kwargs: object) -> None:
        # nextcord calls this inside its except block; its default prints to stderr
        # instead of the log. One bad event must not stop the session.
        log.error(
            "handling %s failed",
            event_method,
            exc_info=sys.exc_info(),
        )

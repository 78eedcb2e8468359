"""Acting as members, for tests and the community simulator: no HTTP involved.

Builders create guilds, roles, channels and members. Member actions (react, voice, slash
commands, autocomplete, selects, buttons, privacy settings, "Interested" on an event) return
what the member saw. Actions the Discord client itself would not allow (a command the member
lacks permissions for, an option that is not in a select) raise :class:`Refused` and reach the
bot not at all. Readers tell what a member received: their DMs, the messages that notified
them, and a guild's scheduled events.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emulator.engine.actions import Actions, Authorship
from emulator.engine.core import Core
from emulator.engine.interactions import (
    CallbackType,
    Interactions,
    InteractionType,
    PendingInteraction,
)
from emulator.rules import errors
from emulator.rules.bodies import Choice, CreateMessageBody, MessageReference
from emulator.rules.components import Button, StringSelect
from emulator.rules.emoji import reaction_emoji
from emulator.rules.jsontypes import JSONObject
from emulator.rules.options import OptionError, OptionValue, command_data
from emulator.rules.permissions import Overwrite, OverwriteType, Permission, allows
from emulator.rules.state import (
    Channel,
    ChannelType,
    Command,
    Guild,
    GuildEmoji,
    Member,
    Message,
    Role,
    ScheduledEvent,
)
from emulator.simulator.seen import SeenMessage, see

INTERACTION_FAILED = "This interaction failed"


class Refused(Exception):
    """The Discord client would not let the member do this; nothing reached the bot."""


class InteractionFailed(Exception):
    """The bot did not answer an autocomplete in time ("Loading options failed")."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a member saw after a slash command, select or button."""

    interaction_id: int
    response: CallbackType | None
    message: SeenMessage | None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral


class Driver:
    """Members' side of the emulated Discord."""

    def __init__(self, core: Core, actions: Actions, interactions: Interactions) -> None:
        self.core = core
        self.world = core.world
        self.actions = actions
        self.interactions = interactions

    # ------------------------------------------------------------- building

    def add_guild(self, name: str, *, owner: str = "owner") -> Guild:
        """A guild owned by a new user named ``owner``; the bot is a member."""
        owner_user = self.actions.add_user(owner)
        return self.actions.add_guild(name, owner_user.id)

    def add_emoji(self, guild: Guild, name: str, *, animated: bool = False) -> GuildEmoji:
        """A custom emoji of ``guild``; react with it as ``f"{name}:{emoji.id}"``."""
        return self.actions.add_emoji(guild.id, name, animated=animated)

    def remove_emoji(self, emoji: GuildEmoji) -> None:
        """Delete a custom emoji from its guild, as an admin in the server settings."""
        self.actions.remove_emoji(emoji.guild_id, emoji.id)

    def add_role(self, guild: Guild, name: str, *, permissions: int = 0, color: int = 0) -> Role:
        return self.actions.add_role(guild.id, name, permissions=permissions, color=color)

    def add_text_channel(self, guild: Guild, name: str) -> Channel:
        return self.actions.add_channel(guild.id, name, ChannelType.GUILD_TEXT)

    def add_voice_channel(self, guild: Guild, name: str) -> Channel:
        return self.actions.add_channel(guild.id, name, ChannelType.GUILD_VOICE)

    def add_member(
        self,
        guild: Guild,
        name: str,
        *,
        roles: list[Role] | None = None,
        nick: str | None = None,
        global_name: str | None = None,
    ) -> Member:
        user = self.actions.add_user(name, global_name=global_name)
        return self.actions.add_member(
            guild.id, user.id, roles=[r.id for r in roles or []], nick=nick
        )

    def owner(self, guild: Guild) -> Member:
        return self.world.member(guild.id, guild.owner_id)

    def bot(self, guild: Guild) -> Member:
        """The bot's own member in ``guild``."""
        return self.world.member(guild.id, self.core.bot_id)

    def set_roles(self, member: Member, roles: list[Role]) -> Member:
        return self.actions.update_member(
            member.guild_id, member.user_id, roles=[r.id for r in roles]
        )

    def set_nick(self, member: Member, nick: str | None) -> Member:
        return self.actions.update_member(member.guild_id, member.user_id, nick=nick)

    def remove_member(self, member: Member) -> None:
        self.actions.remove_member(member.guild_id, member.user_id)

    def set_overwrite(
        self, channel: Channel, target: Role | Member, *, allow: int = 0, deny: int = 0
    ) -> Channel:
        """As an admin editing the channel: allow and deny bits for a role or a member there
        (:meth:`bot` for the bot, ``guild.everyone`` for everyone)."""
        if isinstance(target, Role):
            overwrite = Overwrite(target.id, OverwriteType.ROLE, allow=allow, deny=deny)
        else:
            overwrite = Overwrite(target.user_id, OverwriteType.MEMBER, allow=allow, deny=deny)
        return self.actions.set_overwrite(channel.id, overwrite, target=overwrite.id)

    def remove_overwrite(self, channel: Channel, target: Role | Member) -> Channel:
        target_id = target.id if isinstance(target, Role) else target.user_id
        return self.actions.set_overwrite(channel.id, None, target=target_id)

    def channel_permissions(self, channel: Channel, member: Member) -> Permission:
        """What ``member`` may do in ``channel`` (Discord's computation, overwrites applied)."""
        return Permission(self.world.channel_permissions(channel.id, member.user_id))

    # --------------------------------------------------------------- members

    async def say(
        self, member: Member, channel: Channel, content: str, *, reply_to: int | None = None
    ) -> SeenMessage:
        """Post a plain message as ``member`` (a reply to message ``reply_to``)."""
        needed = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES
        reference = MessageReference(message_id=reply_to) if reply_to is not None else None
        body = CreateMessageBody(content=content, message_reference=reference)
        try:
            if not allows(self.world.channel_permissions(channel.id, member.user_id), needed):
                raise Refused(f"missing Send Messages permission in {channel.name}")
            message = self.actions.create_message(
                channel.id, body, {}, Authorship(author_id=member.user_id)
            )
        except errors.DiscordError as error:
            raise Refused(error.message) from error
        return see(self.world, message)

    async def write_dm(self, member: Member, content: str) -> SeenMessage:
        """The member writes to the bot by DM (the channel is the bot's DM with them)."""
        channel = self.actions.open_dm(member.user_id)
        body = CreateMessageBody(content=content)
        try:
            message = self.actions.create_message(
                channel.id, body, {}, Authorship(author_id=member.user_id)
            )
        except errors.DiscordError as error:
            raise Refused(error.message) from error
        return see(self.world, message)

    async def react(self, member: Member, message_id: int, emoji: str) -> None:
        """React with ``👍`` or a custom ``name:id`` of one of the member's guilds."""
        message = self._readable(member, message_id)
        try:
            picked = reaction_emoji(self.world, member.user_id, emoji)
            self.actions.add_reaction(message, member.user_id, picked)
        except errors.DiscordError as error:
            raise Refused(error.message) from error

    async def unreact(self, member: Member, message_id: int, emoji: str) -> None:
        message = self._readable(member, message_id)
        try:
            picked = reaction_emoji(self.world, member.user_id, emoji)
        except errors.DiscordError as error:
            raise Refused(error.message) from error
        self.actions.remove_reaction(message, member.user_id, picked)

    async def join_voice(
        self, member: Member, channel: Channel, *, mute: bool = False, deaf: bool = False
    ) -> None:
        """Join (or move to) a voice channel, optionally self-muted / self-deafened."""
        self._may_connect(member, channel)
        self.actions.set_voice(
            member.guild_id, member.user_id, channel.id, self_mute=mute, self_deaf=deaf
        )

    async def move_voice(self, member: Member, channel: Channel) -> None:
        self._may_connect(member, channel)
        self.actions.set_voice(member.guild_id, member.user_id, channel.id)

    async def set_voice(
        self,
        member: Member,
        *,
        self_mute: bool | None = None,
        self_deaf: bool | None = None,
        mute: bool | None = None,
        deaf: bool | None = None,
    ) -> None:
        """Change mute/deaf without moving (server ``mute``/``deaf`` or the member's own)."""
        state = self.world.guild(member.guild_id).voice_states.get(member.user_id)
        if state is None:
            raise Refused("not in a voice channel")
        self.actions.set_voice(
            member.guild_id,
            member.user_id,
            state.channel_id,
            mute=mute,
            deaf=deaf,
            self_mute=self_mute,
            self_deaf=self_deaf,
        )

    async def leave_voice(self, member: Member) -> None:
        self.actions.set_voice(member.guild_id, member.user_id, None)

    def close_dms(self, member: Member) -> None:
        """The member turns off "Allow direct messages from server members" for their server:
        the bot can still open the DM channel, but its messages are refused (403 50007) unless
        another server they share with the bot still allows them."""
        self.actions.set_dms_open(member.guild_id, member.user_id, allowed=False)

    def open_dms(self, member: Member) -> None:
        """The member allows direct messages from that server's members again."""
        self.actions.set_dms_open(member.guild_id, member.user_id, allowed=True)

    async def mark_interested(
        self, member: Member, event: ScheduledEvent, *, interested: bool = True
    ) -> None:
        """Click "Interested" on a scheduled event of the member's guild (or take it back)."""
        if event.guild_id != member.guild_id or event.finished:
            raise Refused(f"event {event.name!r} is not open to {member.user_id}")
        self.actions.mark_interested(event, member.user_id, interested=interested)

    # ------------------------------------------------------------ interactions

    async def slash(
        self,
        member: Member,
        channel: Channel,
        command: str,
        options: Mapping[str, OptionValue] | None = None,
    ) -> Outcome:
        """Run ``/command`` (``"config channel"`` for a subcommand) with ``options``."""
        found, path = self._command(member, command)
        data = self._data(found, path, dict(options or {}), focused=None)
        pending = self.interactions.open(
            InteractionType.APPLICATION_COMMAND,
            guild_id=member.guild_id,
            channel_id=channel.id,
            user_id=member.user_id,
            data=data,
            name=command,
        )
        return await self._outcome(pending)

    async def autocomplete(
        self,
        member: Member,
        channel: Channel,
        command: str,
        options: Mapping[str, OptionValue],
        *,
        focused: str,
    ) -> list[Choice]:
        """Type into option ``focused``; returns the choices the bot offered."""
        found, path = self._command(member, command)
        data = self._data(found, path, dict(options), focused=focused)
        pending = self.interactions.open(
            InteractionType.AUTOCOMPLETE,
            guild_id=member.guild_id,
            channel_id=channel.id,
            user_id=member.user_id,
            data=data,
            name=command,
        )
        if not await self._answered(pending):
            raise InteractionFailed("Loading options failed")
        return list(pending.choices)

    async def select(
        self, member: Member, message_id: int, custom_id: str, values: list[str]
    ) -> Outcome:
        """Pick ``values`` in the select ``custom_id`` of a message."""
        message = self._readable(member, message_id)
        item = self._component(message, custom_id)
        if not isinstance(item, StringSelect):
            raise Refused(f"{custom_id!r} is not a select menu")
        known = {o.value for o in item.options}
        if not set(values) <= known:
            raise Refused(f"{sorted(set(values) - known)} are not options of {custom_id!r}")
        if not item.fewest <= len(values) <= item.most:
            raise Refused(f"pick between {item.fewest} and {item.most} options")
        data: JSONObject = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._component_interaction(member, message, data)

    async def click(self, member: Member, message_id: int, custom_id: str) -> Outcome:
        """Click the button ``custom_id`` of a message."""
        message = self._readable(member, message_id)
        item = self._component(message, custom_id)
        if not isinstance(item, Button) or item.url is not None:
            raise Refused(f"{custom_id!r} is not a button")
        data: JSONObject = {"custom_id": custom_id, "component_type": 2}
        return await self._component_interaction(member, message, data)

    async def settle(self, outcome: Outcome, *, timeout: float) -> SeenMessage:
        """Wait until a deferred response is filled in; returns the message then shown."""
        pending = self.interactions.by_id[outcome.interaction_id]

        def ready() -> bool:
            message = self.world.messages.get(pending.original_message_id or 0)
            return message is not None and not see(self.world, message).loading

        await self.core.changes.wait_until(ready, timeout)
        return see(self.world, self.world.messages[pending.original_message_id or 0])

    def followups(self, outcome: Outcome) -> list[SeenMessage]:
        pending = self.interactions.by_id[outcome.interaction_id]
        return [
            see(self.world, self.world.messages[i])
            for i in pending.followup_ids
            if i in self.world.messages
        ]

    def advance(self, seconds: float) -> None:
        """Let time pass for interactions: tokens older than 15 minutes stop working."""
        self.interactions.advance(seconds)

    # --------------------------------------------------------------- reading

    def messages(self, channel: Channel, viewer: Member) -> list[SeenMessage]:
        """The channel as ``viewer`` sees it, oldest first (their ephemeral messages included)."""
        return [
            see(self.world, m)
            for m in self.world.channel_messages(channel.id)
            if m.visible_to in (None, viewer.user_id)
        ]

    def message(self, message_id: int, viewer: Member) -> SeenMessage:
        return see(self.world, self._readable(viewer, message_id))

    def dms(self, member: Member) -> list[SeenMessage]:
        """The member's DMs with the bot, oldest first (empty when the bot never opened one)."""
        channel = self.world.dm_channel_with(member.user_id)
        if channel is None:
            return []
        return [see(self.world, m) for m in self.world.channel_messages(channel.id)]

    def notifications(self, member: Member) -> list[SeenMessage]:
        """Every message that notified the member when it was sent, oldest first: a DM, or a
        mention that ``allowed_mentions`` and the author's permissions let through (an edit
        never notifies). ``silent`` ones gave a badge without a push."""
        found = sorted(
            (m for m in self.world.messages.values() if member.user_id in m.notified),
            key=lambda m: m.id,
        )
        return [see(self.world, m) for m in found]

    def voice_status(self, channel: Channel) -> str | None:
        """The status members see under a voice channel's name (None when there is none)."""
        return self.world.channel(channel.id).status

    def scheduled_events(self, guild: Guild) -> list[ScheduledEvent]:
        """The guild's scheduled events, oldest first, as Discord has them now (its automation
        applied: an EXTERNAL event past its start is ACTIVE, past its end COMPLETED)."""
        self.actions.settle_scheduled_events(guild.id)
        return sorted(self.world.guild(guild.id).scheduled_events.values(), key=lambda e: e.id)

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float) -> None:
        """Wait for any condition on the emulator's state (messages, requests, sessions)."""
        await self.core.changes.wait_until(predicate, timeout)

    async def wait_for_message(
        self,
        channel: Channel,
        viewer: Member,
        predicate: Callable[[SeenMessage], bool],
        *,
        timeout: float,
    ) -> SeenMessage:
        """The first message of ``channel`` (as ``viewer`` sees it) that satisfies ``predicate``."""
        found: list[SeenMessage] = []

        def check() -> bool:
            found[:] = [m for m in self.messages(channel, viewer) if predicate(m)]
            return bool(found)

        await self.core.changes.wait_until(check, timeout)
        return found[0]

    # -------------------------------------------------------------- helpers

    def _may_connect(self, member: Member, channel: Channel) -> None:
        """The Discord client greys out a voice channel the member cannot connect to."""
        needed = Permission.VIEW_CHANNEL | Permission.CONNECT
        if not allows(self.world.channel_permissions(channel.id, member.user_id), needed):
            raise Refused(f"missing Connect permission in {channel.name}")

    def _readable(self, member: Member, message_id: int) -> Message:
        message = self.world.messages.get(message_id)
        if message is None or message.visible_to not in (None, member.user_id):
            raise Refused("unknown message")
        dm = self.world.dm_channels.get(message.channel_id)
        if dm is not None:
            if member.user_id != dm.recipient_id:
                raise Refused("a DM of someone else")
        elif message.guild_id != member.guild_id:
            raise Refused("message is in another guild")
        return message

    @staticmethod
    def _component(message: Message, custom_id: str) -> Button | StringSelect:
        for row in message.components:
            for item in row.components:
                if item.custom_id == custom_id:
                    if item.is_disabled:
                        raise Refused(f"{custom_id!r} is disabled")
                    return item
        raise Refused(f"no component {custom_id!r} on message {message.id}")

    async def _component_interaction(
        self, member: Member, message: Message, data: JSONObject
    ) -> Outcome:
        pending = self.interactions.open(
            InteractionType.MESSAGE_COMPONENT,
            guild_id=member.guild_id,
            channel_id=message.channel_id,
            user_id=member.user_id,
            data=data,
            source=message,
        )
        return await self._outcome(pending)

    async def _answered(self, pending: PendingInteraction) -> bool:
        """Wait for the first response within the deadline; the member gives up after it."""
        left = self.core.config.rules.interaction_deadline - (
            self.interactions.now() - pending.created
        )
        try:
            async with asyncio.timeout(max(left, 0.0)):
                await pending.answered.wait()
        except TimeoutError:
            pending.abandoned = True
            return False
        return True

    async def _outcome(self, pending: PendingInteraction) -> Outcome:
        if not await self._answered(pending):
            return Outcome(pending.id, None, None, error=INTERACTION_FAILED)
        shown = self.world.messages.get(pending.original_message_id or 0)
        return Outcome(
            interaction_id=pending.id,
            response=pending.response,
            message=see(self.world, shown) if shown is not None else None,
        )

    def _command(self, member: Member, command: str) -> tuple[Command, list[str]]:
        name, *path = command.split()
        scoped = self.world.guild_commands(member.guild_id) + self.world.guild_commands(None)
        found = next((c for c in scoped if c.name == name and c.type == 1), None)
        if found is None:
            raise Refused(f"/{name} is not a command here")
        required = found.default_member_permissions
        if required is not None:
            held = self.world.permissions(member.guild_id, member.user_id)
            enough = allows(held, required) if required else allows(held, Permission.ADMINISTRATOR)
            if not enough:
                raise Refused(f"missing permissions for /{name}")
        return found, path

    def _data(
        self,
        command: Command,
        path: list[str],
        values: dict[str, OptionValue],
        *,
        focused: str | None,
    ) -> JSONObject:
        try:
            return command_data(self.world, command, path, values, focused=focused)
        except OptionError as error:
            raise Refused(str(error)) from error

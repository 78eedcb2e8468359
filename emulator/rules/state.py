"""What the emulated Discord knows: users, guilds, roles, members, channels (DMs too), messages,
commands and scheduled events."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from emulator.rules import errors
from emulator.rules.application_commands import CommandBody, CommandOption
from emulator.rules.components import ActionRow
from emulator.rules.embeds import Embed
from emulator.rules.permissions import (
    DM_PERMISSIONS,
    Overwrite,
    channel_permissions,
    guild_permissions,
)


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4


class MessageFlag(IntEnum):
    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    HAS_SNAPSHOT = 1 << 14
    """"this message has a snapshot (via Message Forwarding)" (Message Object > Message Flags)."""
    SUPPRESS_NOTIFICATIONS = 1 << 12
    """"@silent": a notification badge, no push."""


@dataclass(slots=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None


@dataclass(slots=True)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False


@dataclass(slots=True)
class Member:
    user_id: int
    guild_id: int
    joined_at: datetime
    roles: list[int] = field(default_factory=list)
    nick: str | None = None


@dataclass(slots=True)
class Channel:
    id: int
    guild_id: int
    name: str
    type: ChannelType
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    last_message_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    status: str | None = None  # a voice channel's status (``emulator.rules.voice_status_rules``)


@dataclass(slots=True)
class DMChannel:
    """The DM channel (type 1) between the bot and one user: no guild, no roles, no overwrites."""

    id: int
    bot_id: int
    recipient_id: int
    last_message_id: int | None = None

    @property
    def type(self) -> ChannelType:
        return ChannelType.DM

    def other_side(self, user_id: int) -> int:
        return self.recipient_id if user_id == self.bot_id else self.bot_id


class EventStatus(IntEnum):
    """Guild Scheduled Event Status (Discord's docs, Guild Scheduled Event)."""

    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4


class EventEntityType(IntEnum):
    """Guild Scheduled Event Entity Types."""

    STAGE_INSTANCE = 1
    VOICE = 2
    EXTERNAL = 3


GUILD_ONLY = 2
"""The one Guild Scheduled Event Privacy Level."""


@dataclass(slots=True)
class ScheduledEvent:
    """A guild scheduled event, as Discord keeps it."""

    id: int
    guild_id: int
    creator_id: int
    name: str
    entity_type: EventEntityType
    scheduled_start_time: datetime
    scheduled_end_time: datetime | None = None
    status: EventStatus = EventStatus.SCHEDULED
    channel_id: int | None = None
    """The voice (or stage) channel; None for an EXTERNAL event."""
    location: str | None = None
    """``entity_metadata.location``, EXTERNAL events only."""
    description: str | None = None
    image: str | None = None
    """The cover image's hash."""
    privacy_level: int = GUILD_ONLY
    interested: list[int] = field(default_factory=list)
    """Users who marked themselves interested (``user_count``)."""

    @property
    def finished(self) -> bool:
        return self.status in (EventStatus.COMPLETED, EventStatus.CANCELED)


@dataclass(slots=True)
class VoiceState:
    guild_id: int
    user_id: int
    channel_id: int
    session_id: str
    mute: bool = False
    deaf: bool = False
    self_mute: bool = False
    self_deaf: bool = False


@dataclass(frozen=True, slots=True)
class GuildEmoji:
    """A custom emoji uploaded to a guild."""

    id: int
    guild_id: int
    name: str
    animated: bool = False


@dataclass(slots=True)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    voice_states: dict[int, VoiceState] = field(default_factory=dict)
    emojis: dict[int, GuildEmoji] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)
    icon: str | None = None
    """The icon's hash (``emulator.rest.cdn`` draws it), as Discord names an uploaded icon."""

    @property
    def everyone(self) -> Role:
        """The @everyone role shares the guild's id."""
        return self.roles[self.id]


@dataclass(frozen=True, slots=True)
class Emoji:
    """A unicode emoji (``id`` None) or a custom one."""

    name: str
    id: int | None = None

    @classmethod
    def parse(cls, text: str) -> "Emoji":
        """Read the ``{emoji}`` path segment: ``👍`` or ``name:id``."""
        name, _, raw_id = text.partition(":")
        if raw_id:
            if not (raw_id.isascii() and raw_id.isdigit()):
                raise errors.unknown_emoji()
            return cls(name=name, id=int(raw_id))
        if not name:
            raise errors.unknown_emoji()
        return cls(name=name)


@dataclass(slots=True)
class Reaction:
    emoji: Emoji
    users: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    description: str | None = None


@dataclass(slots=True)
class InteractionMetadata:
    """What a message records about the interaction that produced it."""

    id: int
    type: int
    user_id: int
    name: str | None = None


@dataclass(slots=True)
class Message:
    id: int
    channel_id: int
    guild_id: int | None
    """None in a DM."""
    author_id: int
    content: str
    timestamp: datetime
    components: list[ActionRow] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    edited_timestamp: datetime | None = None
    flags: int = 0
    type: int = 0
    tts: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    interaction: InteractionMetadata | None = None
    visible_to: int | None = None
    """Ephemeral messages are seen only by this user."""
    mentions: list[int] = field(default_factory=list)
    """Users the message pings (see ``emulator.rules.mentions``); also roles and @everyone below."""
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    reference_id: int | None = None
    """The message this one replies to (``message_reference``), in the same channel."""
    nonce: int | str | None = None
    forward: "Forward | None" = None
    """What this message forwards (``message_reference`` type FORWARD), with its snapshot."""
    notified: frozenset[int] = frozenset()
    """Who was notified when the message was sent; edits never notify
    (``emulator.rules.mentions``)."""

    def reaction(self, emoji: Emoji) -> Reaction | None:
        for reaction in self.reactions:
            if reaction.emoji == emoji:
                return reaction
        return None


@dataclass(frozen=True, slots=True)
class Forward:
    """The message a forward points at, and the copy of it taken when the forward was sent:
    "message_snapshots are taken the moment a forward message is created, and are immutable"."""

    message_id: int
    channel_id: int
    guild_id: int | None  # None for a message of a DM
    snapshot: Message


@dataclass(slots=True)
class Command:
    """An application command; ``spec`` is what the bot sent, normalised as Discord keeps it."""

    id: int
    application_id: int
    spec: CommandBody
    guild_id: int | None = None
    default_member_permissions: int | None = None
    version: int = 1

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def type(self) -> int:
        return self.spec.kind

    @property
    def description(self) -> str:
        return self.spec.description or ""

    @property
    def options(self) -> list[CommandOption]:
        return self.spec.options or []


class World:
    """Every record, indexed for lookups that fail with Discord's 404s."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.commands: dict[int, Command] = {}
        self.dm_channels: dict[int, DMChannel] = {}
        self.closed_dms: set[tuple[int, int]] = set()
        """(guild id, user id): the member turned off "Allow direct messages from server
        members" for that server."""

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise errors.unknown_user() from None

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise errors.unknown_guild() from None

    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise errors.unknown_channel() from None

    def any_channel(self, channel_id: int) -> Channel | DMChannel:
        """A guild channel or a DM channel; anything else is 10003 Unknown Channel."""
        found = self.dm_channels.get(channel_id)
        return found if found is not None else self.channel(channel_id)

    def dm_channel_with(self, user_id: int) -> DMChannel | None:
        return next((c for c in self.dm_channels.values() if c.recipient_id == user_id), None)

    def mutual_guilds(self, user_id: int, other_id: int) -> list[Guild]:
        return [g for g in self.guilds.values() if user_id in g.members and other_id in g.members]

    def scheduled_event(self, guild_id: int, event_id: int) -> ScheduledEvent:
        try:
            return self.guild(guild_id).scheduled_events[event_id]
        except KeyError:
            raise errors.unknown_scheduled_event() from None

    def member(self, guild_id: int, user_id: int) -> Member:
        try:
            return self.guild(guild_id).members[user_id]
        except KeyError:
            raise errors.unknown_member() from None

    def message(self, channel_id: int, message_id: int) -> Message:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id:
            raise errors.unknown_message()
        return message

    def channel_messages(self, channel_id: int) -> list[Message]:
        """Messages of a channel, oldest first."""
        found = [m for m in self.messages.values() if m.channel_id == channel_id]
        return sorted(found, key=lambda m: m.id)

    def permissions(self, guild_id: int, user_id: int) -> int:
        """A member's guild-level permissions."""
        guild = self.guild(guild_id)
        member = self.member(guild_id, user_id)
        bits = [guild.everyone.permissions]
        bits += [guild.roles[r].permissions for r in member.roles if r in guild.roles]
        return guild_permissions(is_owner=guild.owner_id == user_id, role_permissions=bits)

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """A member's permissions in a channel: their guild's, then the channel's overwrites.

        In a DM, its two sides hold :data:`~emulator.rules.permissions.DM_PERMISSIONS`, others
        nothing.
        """
        dm = self.dm_channels.get(channel_id)
        if dm is not None:
            return DM_PERMISSIONS if user_id in (dm.bot_id, dm.recipient_id) else 0
        channel = self.channel(channel_id)
        member = self.member(channel.guild_id, user_id)
        return channel_permissions(
            self.permissions(channel.guild_id, user_id),
            guild_id=channel.guild_id,
            user_id=user_id,
            roles=member.roles,
            overwrites=channel.overwrites,
        )

    def display_name(self, guild_id: int | None, user_id: int) -> str:
        """The member's nick in ``guild_id``, else their global or user name (a DM's author)."""
        user = self.user(user_id)
        guild = self.guilds.get(guild_id) if guild_id is not None else None
        member = guild.members.get(user_id) if guild is not None else None
        if member is not None and member.nick:
            return member.nick
        return user.global_name or user.username

    def custom_emoji(self, emoji_id: int) -> GuildEmoji | None:
        """The custom emoji ``emoji_id`` of whichever guild has it."""
        for guild in self.guilds.values():
            if emoji_id in guild.emojis:
                return guild.emojis[emoji_id]
        return None

    def guild_commands(self, guild_id: int | None) -> list[Command]:
        return [c for c in self.commands.values() if c.guild_id == guild_id]

"""What the emulated Discord knows: users, guilds, roles, members, channels, messages, commands."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from emulator import errors
from emulator.commands import CommandBody, CommandOption
from emulator.components import ActionRow
from emulator.embeds import Embed
from emulator.permissions import Overwrite, channel_permissions, guild_permissions


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4


class MessageFlag(IntEnum):
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    HAS_SNAPSHOT = 1 << 14
    """"this message has a snapshot (via Message Forwarding)" (Message Object > Message Flags)."""


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
    guild_id: int
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
    """Users the message pings (see ``emulator.mentions``); also roles and @everyone below."""
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    reference_id: int | None = None
    """The message this one replies to (``message_reference``), in the same channel."""
    nonce: int | str | None = None
    forward: "Forward | None" = None
    """What this message forwards (``message_reference`` type FORWARD), with its snapshot."""

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
    guild_id: int
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
        """A member's permissions in a channel: their guild's, then the channel's overwrites."""
        channel = self.channel(channel_id)
        member = self.member(channel.guild_id, user_id)
        return channel_permissions(
            self.permissions(channel.guild_id, user_id),
            guild_id=channel.guild_id,
            user_id=user_id,
            roles=member.roles,
            overwrites=channel.overwrites,
        )

    def display_name(self, guild_id: int, user_id: int) -> str:
        user = self.user(user_id)
        member = self.guild(guild_id).members.get(user_id)
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

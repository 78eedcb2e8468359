"""Every message that crosses squadtime's bus, and the envelope that carries it.

Messages are small frozen msgspec Structs tagged by ``type`` and joined in
unions: events (facts, published by topic), requests (queries and commands
with a reply and a deadline), replies, and the bus's own control messages.
One encoder and one typed decoder are built once (see ``bus.codec``).

Schema evolution follows msgspec's rules: every field added after a message
first ships gets a default, and decoders ignore fields they do not know, so
a service restarted mid-upgrade still reads newer messages. A frame whose tag
is unknown is counted and dropped by the receiver, never fatal.

Topics
------
``<source>.<event>``  events, e.g. ``gateway.reaction_add``; subscribe by prefix.
``ack.<instance>``    acknowledgements of recorded events (see ``bus.client``).
``probe.<instance>``  a process's message to itself, proving its path is open.
"""

from __future__ import annotations

import msgspec


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every bus message."""


class EventMessage(Message, frozen=True):
    """A fact; published on ``<source>.<tag>`` for whoever subscribes."""


class RequestMessage(Message, frozen=True):
    """A query or command for one service; it always gets a reply."""


class ReplyMessage(Message, frozen=True):
    """The answer to one request."""


class ControlMessage(Message, frozen=True):
    """The bus's own bookkeeping; never handed to a service."""


# --------------------------------------------------------------------------
# Events: facts, published on ``<source>.<tag>``.
# --------------------------------------------------------------------------


class Heartbeat(EventMessage, frozen=True, tag="heartbeat"):
    """A process's pulse and counters, every few seconds; the admin status reads it."""

    service: str
    pid: int
    started: float
    handled: int = 0
    dropped: int = 0
    retried: int = 0
    queue_depth: int = 0
    unacked: int = 0
    rss_bytes: int = 0


class Note(EventMessage, frozen=True, tag="note"):
    """A free-form recorded fact, used by the bus's own tests and benchmarks."""

    key: str
    value: int = 0


# --------------------------------------------------------------------------
# Requests: sent straight to one service (see ``bus.rpc``), answered with a
# Reply or an ErrorReply whose ``correlation`` is the request's id.
# --------------------------------------------------------------------------


class Ping(RequestMessage, frozen=True, tag="ping"):
    """Ask a service whether it is alive; answered with Pong."""


class Pong(ReplyMessage, frozen=True, tag="pong"):
    """A service's answer to Ping."""

    service: str
    pid: int


class ErrorReply(ReplyMessage, frozen=True, tag="error"):
    """A request failed; ``code`` is stable, ``message`` is for people."""

    code: str
    message: str


# --------------------------------------------------------------------------
# Bus control.
# --------------------------------------------------------------------------


class Ack(ControlMessage, frozen=True, tag="ack"):
    """The recorder committed these sequence numbers of one publisher instance."""

    seqs: list[int]


class Probe(ControlMessage, frozen=True, tag="probe"):
    """A process's message to itself; receiving it proves publish and subscribe work."""

    token: str


# ==========================================================================
# Facts shared by several messages (plain structs, not messages).
# ==========================================================================


class Fact(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the plain data carried inside messages."""


class MemberFacts(Fact, frozen=True):
    """What the bot knows of a guild member, so nobody has to ask Discord again."""

    user_id: int
    display_name: str
    avatar_url: str = ""
    role_ids: list[int] = msgspec.field(default_factory=list)
    bot: bool = False
    permissions: int = 0  # the member's guild-wide permission bits


class RoleFacts(Fact, frozen=True):
    """A guild role."""

    role_id: int
    name: str
    position: int = 0
    permissions: int = 0


class ChannelFacts(Fact, frozen=True):
    """A guild channel; ``kind`` is Discord's channel type (0 text, 2 voice, 13 stage...)."""

    channel_id: int
    name: str
    kind: int = 0
    position: int = 0
    parent_id: int = 0


class VoiceFacts(Fact, frozen=True):
    """Where one member is in voice; ``channel_id`` 0 means not in voice."""

    user_id: int
    channel_id: int = 0
    self_mute: bool = False
    self_deaf: bool = False
    mute: bool = False
    deaf: bool = False


class GuildConfig(Fact, frozen=True):
    """A guild's settings, as admins set them with slash commands.

    ``post_time`` is local "HH:MM" in ``timezone``; the play window is the
    local hours ``window_start`` .. ``window_start + window_hours - 1`` (it may
    cross midnight), one emoji per hour.
    """

    guild_id: int
    channel_id: int = 0
    post_time: str = "12:00"
    timezone: str = "UTC"
    window_start: int = 16
    window_hours: int = 8
    hour_emoji: list[str] = msgspec.field(default_factory=list)
    voice_channel_ids: list[int] = msgspec.field(default_factory=list)
    afk_channel_id: int = 0
    rank_emoji: dict[int, str] = msgspec.field(default_factory=dict)  # role id -> emoji
    greetings: bool = False


# ==========================================================================
# gateway: facts from Discord, published on ``gateway.<tag>``.
# Voice states are recorded (telemetry acknowledges them); the rest are not,
# because the gateway re-publishes a full snapshot on every (re)connect.
# ==========================================================================


class ReactionAdded(EventMessage, frozen=True, tag="reaction_add"):
    """A member added a reaction to a message."""

    guild_id: int
    channel_id: int
    message_id: int
    emoji: str  # unicode emoji, or "name:id" for a custom one
    member: MemberFacts
    at: float  # unix seconds, when the gateway saw it


class ReactionRemoved(EventMessage, frozen=True, tag="reaction_remove"):
    """A member removed a reaction from a message."""

    guild_id: int
    channel_id: int
    message_id: int
    emoji: str
    member: MemberFacts
    at: float


class VoiceChanged(EventMessage, frozen=True, tag="voice_state"):
    """A member joined, left, moved between or changed state in voice channels.

    ``before``/``after`` channel ids are 0 when not in voice: join is 0 -> c,
    leave is c -> 0, move is a -> b, and same -> same is a mute/deafen change.
    """

    guild_id: int
    member: MemberFacts
    before_channel_id: int
    after: VoiceFacts
    at: float


class MemberUpdated(EventMessage, frozen=True, tag="member_update"):
    """A member's name, avatar or roles changed, or a member joined the guild."""

    guild_id: int
    member: MemberFacts
    at: float


class MemberLeft(EventMessage, frozen=True, tag="member_leave"):
    """A member left or was removed from the guild."""

    guild_id: int
    user_id: int
    at: float


class GuildSnapshot(EventMessage, frozen=True, tag="guild_snapshot"):
    """Everything about a guild, on ready and on availability, for reconciliation."""

    guild_id: int
    name: str
    owner_id: int
    members: list[MemberFacts]
    roles: list[RoleFacts]
    channels: list[ChannelFacts]
    voice: list[VoiceFacts]
    afk_channel_id: int = 0
    at: float = 0.0


GatewayEvent = (
    ReactionAdded | ReactionRemoved | VoiceChanged | MemberUpdated | MemberLeft | GuildSnapshot
)


# ==========================================================================
# gateway: commands (requests to ``gateway``) and their replies.
# ==========================================================================


class SendMessage(RequestMessage, frozen=True, tag="send_message"):
    """Post a message in a channel; answered with MessageSent."""

    channel_id: int
    content: str


class MessageSent(ReplyMessage, frozen=True, tag="message_sent"):
    """The message the gateway posted."""

    channel_id: int
    message_id: int


GatewayRequest = SendMessage
GatewayReply = MessageSent


# ==========================================================================
# telemetry: requests (to ``telemetry``) and their replies.
# ==========================================================================


class GetGuildConfig(RequestMessage, frozen=True, tag="get_guild_config"):
    """A guild's configuration; answered with GuildConfigReply (defaults if never set)."""

    guild_id: int


class GuildConfigReply(ReplyMessage, frozen=True, tag="guild_config"):
    """A guild's configuration."""

    config: GuildConfig


TelemetryRequest = GetGuildConfig
TelemetryReply = GuildConfigReply


# ==========================================================================
# The unions. A new message goes into its section's union above; receivers'
# ``match`` statements then fail type-checking until they handle it.
# ==========================================================================

Event = Heartbeat | Note | GatewayEvent
Request = Ping | GatewayRequest | TelemetryRequest
Reply = Pong | ErrorReply | GatewayReply | TelemetryReply
Control = Ack | Probe
Body = Event | Request | Reply | Control


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """What travels in a frame: a message and where it comes from.

    ``id`` is ``<instance>:<seq>``: unique across restarts, so the recorder
    recognises a retransmitted event. ``seq`` counts per publishing instance.
    """

    id: str
    source: str
    instance: str
    seq: int
    time: float
    body: Body
    recorded: bool = False
    correlation: str = ""
    deadline: float = 0.0


def tag_of(message: Message | type[Message]) -> str:
    """The wire tag of a message or message class."""
    cls = message if isinstance(message, type) else type(message)
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str), f"{cls.__name__} has no string tag"
    return tag


_KINDS = (Message, EventMessage, RequestMessage, ReplyMessage, ControlMessage)


def message_types() -> list[type[Message]]:
    """Every concrete message class, for tests and tooling."""
    found: list[type[Message]] = []
    pending: list[type[Message]] = [Message]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls not in _KINDS:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)

"""What every message is built on: instants, the kinds of message, the bus's own messages
(heartbeats, pings, acknowledgements), and the facts several services share."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

import msgspec

INSTANT_MIN = 0.0
"""The epoch: 0 is also what an optional instant holds when it is not set."""
INSTANT_MAX = 4_102_444_800.0
"""2100-01-01 00:00 UTC: later than any true instant of the bot's life, and far inside what
every consumer handles (``datetime``, zone conversions, SQLite's 64-bit integers)."""

type Instant = Annotated[float, msgspec.Meta(ge=INSTANT_MIN, le=INSTANT_MAX)]
"""Unix seconds, finite and within ``INSTANT_MIN`` .. ``INSTANT_MAX`` (checked on decode)."""


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
    started: Instant
    handled: int = 0
    dropped: int = 0
    retried: int = 0
    queue_depth: int = 0
    unacked: int = 0
    rss_bytes: int = 0
    trouble: str = ""  # what keeps the process from its work right now ("disk full"); "" if none


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


class EmojiFacts(Fact, frozen=True):
    """A custom emoji of a guild (``<:name:id>``, ``<a:name:id>`` when animated); ``available``
    is false when the guild lost it with its Server Boosts."""

    emoji_id: int
    name: str
    animated: bool = False
    available: bool = True


type InteractionKind = Literal["command", "autocomplete", "component"]
"""What a member used: a slash command, an option being typed, or a component."""
type ResponseKind = Literal["message", "update", "deferred", "deferred_update", "autocomplete"]
"""How an interaction is answered (see ``InteractionResponse``)."""


class ChannelType(IntEnum):
    """The Discord channel types squadtime tells apart (``ChannelFacts.kind`` may hold others)."""

    TEXT = 0
    VOICE = 2
    CATEGORY = 4
    ANNOUNCEMENT = 5
    STAGE = 13


class ChannelFacts(Fact, frozen=True):
    """A guild channel; ``kind`` is Discord's channel type (``ChannelType``, or another)."""

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
    quorum_size: int = 0  # "enough players" calls from this many members in an hour; 0 off
    quorum_channel_id: int = 0  # where the calls go; 0 for the daily message's channel
    events: bool = False  # a Discord scheduled event for each hour that reaches the quorum
    nudges: bool = False  # nudges for members who chose neither /nudges on nor off
    reliability: bool = False  # moderators see who was there in the hours members planned
    week_post_day: int = -1  # the weekday (0 Monday) of the week-ahead post; -1 off
    week_post_time: str = "18:00"  # its local "HH:MM" in ``timezone``
    voice_status: bool = False  # the first counted voice channel's status names an hour's squad

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

Instants
--------
Every field that carries an instant (unix seconds) is an ``Instant``: decoding refuses
NaN, infinities and anything outside ``INSTANT_MIN`` .. ``INSTANT_MAX``, so such a value
stops at the bus's edge instead of failing deep inside a service (an infinite voice event
once made telemetry's every write of its batch fail, and the batch came back for ever).
A frame refused this way is handed to the recorder to be set aside (see ``bus.client``).
"""

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
    at: Instant  # unix seconds, when the gateway saw it


class ReactionRemoved(EventMessage, frozen=True, tag="reaction_remove"):
    """A member removed a reaction from a message."""

    guild_id: int
    channel_id: int
    message_id: int
    emoji: str
    member: MemberFacts
    at: Instant


class VoiceChanged(EventMessage, frozen=True, tag="voice_state"):
    """A member joined, left, moved between or changed state in voice channels.

    ``before``/``after`` channel ids are 0 when not in voice: join is 0 -> c,
    leave is c -> 0, move is a -> b, and same -> same is a mute/deafen change.
    """

    guild_id: int
    member: MemberFacts
    before_channel_id: int
    after: VoiceFacts
    at: Instant


class MemberUpdated(EventMessage, frozen=True, tag="member_update"):
    """A member's name, avatar or roles changed, or a member joined the guild."""

    guild_id: int
    member: MemberFacts
    at: Instant


class MemberLeft(EventMessage, frozen=True, tag="member_leave"):
    """A member left or was removed from the guild."""

    guild_id: int
    user_id: int
    at: Instant


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
    at: Instant = 0.0
    emojis: list[EmojiFacts] = msgspec.field(default_factory=list)
    icon_url: str = ""
    """The guild's icon on Discord's CDN; "" when it has none."""


class EmojisUpdated(EventMessage, frozen=True, tag="emojis_update"):
    """A guild's custom emoji changed (one added, renamed or removed): all of them now."""

    guild_id: int
    emojis: list[EmojiFacts]
    at: Instant


class EventInterest(EventMessage, frozen=True, tag="event_interest"):
    """A member clicked "Interested" on a guild scheduled event (``interested``), or un-clicked
    it (Discord's GUILD_SCHEDULED_EVENT_USER_ADD and _REMOVE); the bot's own are not sent."""

    guild_id: int
    event_id: int
    user_id: int
    interested: bool = True
    at: Instant = 0.0


GatewayEvent = (
    ReactionAdded
    | ReactionRemoved
    | VoiceChanged
    | MemberUpdated
    | MemberLeft
    | GuildSnapshot
    | EmojisUpdated
    | EventInterest
)


# ==========================================================================
# gateway: commands (requests to ``gateway``) and their replies.
#
# Every command is answered with its reply or with ErrorReply: ``discord_<n>``
# carries Discord's own error code and message when Discord refused the call
# (``discord_10008`` Unknown Message...), ``bad_request`` a malformed command,
# ``not_ready`` a gateway still logging in.
#
# Slash commands: each owning service sends RegisterCommands(owner, specs) on
# every start; the gateway merges all owners' specs, uploads them to Discord
# only when the merged set changed, and keeps the registry in its data
# directory, so interactions keep reaching their owners across its restarts.
# Every interaction is relayed to its owner as an Interaction request (a
# component's owner is the prefix of its custom id: ``scheduler:pick:...``);
# the owner answers with InteractionAnswer. An owner slower than about 2 s
# gets the interaction deferred and its answer delivered as a follow-up; an
# owner that is down makes the gateway answer "try again in a moment".
# Owners may answer ``deferred`` themselves and send InteractionFollowUp later.
#
# Field types stay within what every bus message uses (str, int, float, bool,
# lists, dicts, structs): optional values are empty strings or zeros, and file
# contents travel base64-encoded.
# ==========================================================================


class ComponentType(IntEnum):
    """Discord's component types: a row holds buttons or one select."""

    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3


class Component(Fact, frozen=True):
    """A message component: ``kind`` is a ``ComponentType`` (a button or a string select)."""

    kind: int = ComponentType.BUTTON
    custom_id: str = ""
    label: str = ""
    style: int = 1  # buttons: 1 primary, 2 secondary, 3 success, 4 danger, 5 link
    emoji: str = ""
    url: str = ""  # link buttons only
    disabled: bool = False
    placeholder: str = ""  # selects only
    min_values: int = 1
    max_values: int = 1
    options: list[SelectChoice] = msgspec.field(default_factory=list)


class SelectChoice(Fact, frozen=True):
    """One option of a string select."""

    label: str
    value: str
    description: str = ""
    emoji: str = ""
    default: bool = False


class ActionRow(Fact, frozen=True):
    """A row of up to five buttons or one select."""

    components: list[Component] = msgspec.field(default_factory=list)


class FileUpload(Fact, frozen=True):
    """A file to attach; ``data`` is its content, base64-encoded."""

    filename: str
    data: str = ""
    description: str = ""


class ReactionUsers(Fact, frozen=True):
    """One reaction of a fetched message and who reacted with it."""

    emoji: str
    count: int = 0
    user_ids: list[int] = msgspec.field(default_factory=list)


class Choice(Fact, frozen=True):
    """A choice of a command option or an autocomplete answer; ``value`` as text."""

    name: str
    value: str


class OptionSpec(Fact, frozen=True):
    """An option of a slash command.

    ``kind`` is one of string, integer, number, boolean, user, channel, role.
    """

    name: str
    description: str
    kind: str = "string"
    required: bool = False
    choices: list[Choice] = msgspec.field(default_factory=list)
    autocomplete: bool = False
    min_value: float = 0.0
    max_value: float = 0.0  # both 0: no bounds


class SubcommandSpec(Fact, frozen=True):
    """A subcommand (``/config channel``) of a slash command."""

    name: str
    description: str
    options: list[OptionSpec] = msgspec.field(default_factory=list)


class CommandSpec(Fact, frozen=True):
    """A slash command as its owner describes it.

    ``admin`` commands need Manage Server (``default_member_permissions``); the
    owner checks the member's permissions again. ``ephemeral`` says how the
    gateway defers for a slow owner: privately or in the channel.
    """

    name: str
    description: str
    options: list[OptionSpec] = msgspec.field(default_factory=list)
    subcommands: list[SubcommandSpec] = msgspec.field(default_factory=list)
    admin: bool = False
    ephemeral: bool = False


class InteractionResponse(Fact, frozen=True):
    """What to show for an interaction.

    ``kind``: ``message`` (a new message; private when ``ephemeral``),
    ``update`` (edit the message whose component was used), ``deferred``
    (a "thinking..." placeholder; follow up later), ``deferred_update``
    (acknowledge a component silently; follow up later) or ``autocomplete``
    (``choices``, at most 25).
    """

    kind: ResponseKind = "message"
    content: str = ""
    components: list[ActionRow] = msgspec.field(default_factory=list)
    files: list[FileUpload] = msgspec.field(default_factory=list)
    ephemeral: bool = False
    choices: list[Choice] = msgspec.field(default_factory=list)


class SendMessage(RequestMessage, frozen=True, tag="send_message"):
    """Post a message in a channel; answered with MessageSent.

    Nobody is pinged except ``notify``: the users whose mentions in ``content`` notify them
    (never ``@everyone``, ``@here`` or a role). A ``nonce`` (up to 25 characters) makes a
    re-sent request return the message sent the first time instead of a second one, for
    the few minutes Discord remembers nonces.
    """

    channel_id: int
    content: str = ""
    components: list[ActionRow] = msgspec.field(default_factory=list)
    files: list[FileUpload] = msgspec.field(default_factory=list)
    notify: list[int] = msgspec.field(default_factory=list)
    nonce: str = ""


class OpenDirectMessage(RequestMessage, frozen=True, tag="open_direct_message"):
    """The bot's DM channel with a user (made on first use); answered with DirectChannel."""

    user_id: int


class EditMessage(RequestMessage, frozen=True, tag="edit_message"):
    """Replace a bot message's content and components; answered with MessageSent.

    Attachments stay unless ``files`` is given, which replaces them.
    """

    channel_id: int
    message_id: int
    content: str = ""
    components: list[ActionRow] = msgspec.field(default_factory=list)
    files: list[FileUpload] = msgspec.field(default_factory=list)


class DeleteMessage(RequestMessage, frozen=True, tag="delete_message"):
    """Delete a message; answered with Done."""

    channel_id: int
    message_id: int


class AddReactions(RequestMessage, frozen=True, tag="add_reactions"):
    """Add the bot's reactions to a message, in this order; answered with Done."""

    channel_id: int
    message_id: int
    emojis: list[str]  # unicode, or "name:id" for a custom emoji


class RemoveReactions(RequestMessage, frozen=True, tag="remove_reactions"):
    """Take the bot's own reactions off a message; answered with Done.

    Members' reactions stay: only the bot's are removed (no Manage Messages needed).
    """

    channel_id: int
    message_id: int
    emojis: list[str]


class FetchMessage(RequestMessage, frozen=True, tag="fetch_message"):
    """Read a message and who reacted with what; answered with MessageFetched."""

    channel_id: int
    message_id: int


class FetchRecentMessages(RequestMessage, frozen=True, tag="fetch_recent_messages"):
    """The newest messages of a channel, newest first; answered with RecentMessages.

    The scheduler reads them after a restart to find a daily message it posted
    but did not get to record.
    """

    channel_id: int
    limit: int = 20  # 1 to 100, Discord's page


class FetchGuilds(RequestMessage, frozen=True, tag="fetch_guilds"):
    """A snapshot of every guild the bot is in, from the cache; answered with GuildsFetched.

    For a service that starts after the gateway and so missed its snapshots.
    """


class RegisterCommands(RequestMessage, frozen=True, tag="register_commands"):
    """An owner's whole set of slash commands (replacing its previous set); answered with Done."""

    owner: str
    commands: list[CommandSpec]


class InteractionFollowUp(RequestMessage, frozen=True, tag="interaction_follow_up"):
    """Finish a deferred interaction or add to an answered one; answered with MessageSent.

    ``message`` fills the "thinking..." placeholder (the first time) or posts a
    follow-up; ``update`` edits the message the interaction came from.
    """

    interaction_id: int
    response: InteractionResponse


class Interaction(RequestMessage, frozen=True, tag="interaction"):
    """A member used a slash command, autocomplete or component; sent by the gateway to its owner.

    ``kind`` is ``command``, ``autocomplete`` or ``component``. ``command``
    is the full name (``config channel``); ``options`` holds every filled-in
    option as text (numbers and ids in decimal, booleans ``true``/``false``);
    ``focused`` names the option being typed in. Components bring
    ``custom_id``, the picked ``values`` and the ``message_id`` they sit on.
    Answered with InteractionAnswer.
    """

    kind: InteractionKind
    interaction_id: int
    guild_id: int
    channel_id: int
    member: MemberFacts
    command: str = ""
    options: dict[str, str] = msgspec.field(default_factory=dict)
    focused: str = ""
    custom_id: str = ""
    values: list[str] = msgspec.field(default_factory=list)
    message_id: int = 0
    at: Instant = 0.0


class ScheduledEventFacts(Fact, frozen=True):
    """A guild scheduled event as Discord has it; ``status`` 1 scheduled, 2 active,
    3 completed, 4 cancelled (Discord's Guild Scheduled Event Status)."""

    event_id: int
    name: str = ""
    description: str = ""
    status: int = 1


class CreateScheduledEvent(RequestMessage, frozen=True, tag="create_scheduled_event"):
    """A guild-only event in a voice channel from ``start`` to ``end`` (unix seconds);
    answered with ScheduledEventReply."""

    guild_id: int
    channel_id: int
    name: str
    description: str
    start: Instant
    end: Instant


class EditScheduledEvent(RequestMessage, frozen=True, tag="edit_scheduled_event"):
    """Change an event's name and description ("" keeps them) or status (0 keeps it);
    answered with ScheduledEventReply."""

    guild_id: int
    event_id: int
    name: str = ""
    description: str = ""
    status: int = 0


class FetchScheduledEvents(RequestMessage, frozen=True, tag="fetch_scheduled_events"):
    """A guild's scheduled events; answered with ScheduledEventsReply."""

    guild_id: int


class FetchEventInterested(RequestMessage, frozen=True, tag="fetch_event_interested"):
    """The members who clicked "Interested" on one of the guild's events, the bot aside;
    answered with EventInterestedReply."""

    guild_id: int
    event_id: int


class EventInterestedReply(ReplyMessage, frozen=True, tag="event_interested"):
    """Who is interested in an event now (user ids, ascending)."""

    user_ids: list[int] = msgspec.field(default_factory=list)


class ScheduledEventReply(ReplyMessage, frozen=True, tag="scheduled_event"):
    """One event after a change."""

    event: ScheduledEventFacts


class ScheduledEventsReply(ReplyMessage, frozen=True, tag="scheduled_events"):
    """A guild's scheduled events."""

    events: list[ScheduledEventFacts] = msgspec.field(default_factory=list)


class SetVoiceStatus(RequestMessage, frozen=True, tag="set_voice_status"):
    """Set a voice channel's status ("" clears it); answered with Done. Discord refuses it
    without Set Voice Channel Status (50013), and one longer than 500 characters (50035)."""

    channel_id: int
    status: str = ""


class DirectChannel(ReplyMessage, frozen=True, tag="direct_channel"):
    """The DM channel between the bot and a user."""

    user_id: int
    channel_id: int


class MessageSent(ReplyMessage, frozen=True, tag="message_sent"):
    """The message the gateway posted or edited."""

    channel_id: int
    message_id: int


class MessageFetched(ReplyMessage, frozen=True, tag="message_fetched"):
    """A message as Discord has it now, with the users behind each reaction."""

    channel_id: int
    message_id: int
    author_id: int = 0
    content: str = ""
    reactions: list[ReactionUsers] = msgspec.field(default_factory=list)


class MessageSummary(Fact, frozen=True):
    """One message of a channel, as FetchRecentMessages lists it; ``mine``: the bot wrote it."""

    message_id: int
    author_id: int
    content: str = ""
    mine: bool = False


class RecentMessages(ReplyMessage, frozen=True, tag="recent_messages"):
    """A channel's newest messages, newest first."""

    channel_id: int
    messages: list[MessageSummary] = msgspec.field(default_factory=list)


class GuildsFetched(ReplyMessage, frozen=True, tag="guilds_fetched"):
    """Every guild the gateway's cache holds, as snapshots."""

    guilds: list[GuildSnapshot] = msgspec.field(default_factory=list)


class Done(ReplyMessage, frozen=True, tag="done"):
    """A command that returns nothing succeeded."""


class InteractionAnswer(ReplyMessage, frozen=True, tag="interaction_answer"):
    """An owner's answer to an Interaction."""

    response: InteractionResponse


GatewayRequest = (
    SendMessage
    | OpenDirectMessage
    | CreateScheduledEvent
    | EditScheduledEvent
    | FetchScheduledEvents
    | FetchEventInterested
    | SetVoiceStatus
    | EditMessage
    | DeleteMessage
    | AddReactions
    | RemoveReactions
    | FetchMessage
    | FetchRecentMessages
    | FetchGuilds
    | RegisterCommands
    | InteractionFollowUp
    | Interaction
)
GatewayReply = (
    MessageSent
    | DirectChannel
    | ScheduledEventReply
    | ScheduledEventsReply
    | EventInterestedReply
    | MessageFetched
    | RecentMessages
    | GuildsFetched
    | Done
    | InteractionAnswer
)


# ==========================================================================
# telemetry: requests (to ``telemetry``) and their replies.
# ==========================================================================


class GetGuildConfig(RequestMessage, frozen=True, tag="get_guild_config"):
    """A guild's configuration; answered with GuildConfigReply (defaults if never set)."""

    guild_id: int


class GuildConfigReply(ReplyMessage, frozen=True, tag="guild_config"):
    """A guild's configuration."""

    config: GuildConfig


class SetGuildConfig(RequestMessage, frozen=True, tag="set_guild_config"):
    """Replace a guild's configuration (scheduler, after an admin command).

    Answered with GuildConfigReply; refused with ``bad_timezone``, ``bad_window``,
    ``bad_hour``, ``bad_post_time`` or ``bad_emoji``.
    """

    config: GuildConfig


class WeeklySlot(Fact, frozen=True):
    """One hour of a weekly schedule: ``weekday`` 0 = Monday, local ``hour`` 0-23."""

    weekday: int
    hour: int


class MemberSchedule(Fact, frozen=True):
    """A member's usual hours in one guild, on the clock ``zone`` names.

    ``zone`` is an IANA timezone (the member's own when they picked the hours: each slot is
    a local weekday and hour there), or "" for the community's time, where the weekday is
    the community day's for every hour of its window (how schedules were kept before
    members planned in their own time; such rows keep meaning what they meant).
    """

    user_id: int
    slots: list[WeeklySlot] = msgspec.field(default_factory=list)
    zone: str = ""


class GetSchedules(RequestMessage, frozen=True, tag="get_schedules"):
    """The schedules of ``user_ids`` (every member when empty); answered with SchedulesReply."""

    guild_id: int
    user_ids: list[int] = msgspec.field(default_factory=list)


class SetSchedule(RequestMessage, frozen=True, tag="set_schedule"):
    """Replace one member's schedule; nobody else's is touched. Answered with SchedulesReply."""

    guild_id: int
    schedule: MemberSchedule


class ClearSchedule(RequestMessage, frozen=True, tag="clear_schedule"):
    """Remove one member's schedule; answered with SchedulesReply (empty)."""

    guild_id: int
    user_id: int


class SchedulesReply(ReplyMessage, frozen=True, tag="schedules"):
    """Schedules of one guild, members without one omitted."""

    guild_id: int
    schedules: list[MemberSchedule]


class MarkFacts(Fact, frozen=True):
    """A member in (or, ``cancelled``, explicitly out of) one local hour of a community day.

    ``source`` is ``reaction``, ``schedule``, ``voice``, ``picked`` (an hour the member
    added from a nudge's button), ``interested`` (the member clicked "Interested" on the
    Discord event made for the hour) or ``maybe`` (an hour the member might play: shown
    apart, never counted as in). ``playtime.players`` skips a source it does not know, so that a
    newer source reaches an older reader as nothing rather than as a failure.
    """

    user_id: int
    hour: int
    source: str
    cancelled: bool = False
    at: Instant = 0.0


class GetDayState(RequestMessage, frozen=True, tag="get_day_state"):
    """A community day's post and marks; answered with DayStateReply.

    ``date`` is the local ISO date; when empty, the community date of ``at``
    (unix seconds) in the guild's timezone.
    """

    guild_id: int
    date: str = ""
    at: Instant = 0.0


class PostWindow(Fact, frozen=True):
    """The play window (and zone, and hour emoji) a daily message was posted with: its
    reactions keep meaning these hours even when an admin changes the window that day."""

    timezone: str
    window_start: int
    window_hours: int
    hour_emoji: list[str] = msgspec.field(default_factory=list)


class RecordDailyPost(RequestMessage, frozen=True, tag="record_daily_post"):
    """The scheduler posted a day's message; answered with DayStateReply."""

    guild_id: int
    date: str
    channel_id: int
    message_id: int
    posted_at: Instant = 0.0
    window: PostWindow | None = None


class RecordMark(RequestMessage, frozen=True, tag="record_mark"):
    """Add, update or cancel one mark; answered with DayStateReply."""

    guild_id: int
    date: str
    mark: MarkFacts


class DayStateReply(ReplyMessage, frozen=True, tag="day_state"):
    """One community day: its post (``message_id`` 0 before posting) and its marks.

    ``window`` is the window the post was made with; None before posting, and for posts
    recorded before windows were kept (those show the configuration's window).
    """

    guild_id: int
    date: str
    channel_id: int = 0
    message_id: int = 0
    posted_at: Instant = 0.0
    marks: list[MarkFacts] = msgspec.field(default_factory=list)
    window: PostWindow | None = None


MAX_MARKS_PER_BATCH = 1_000  # RecordMarks' bound: one bus batch of clicks, one transaction


class DayMark(Fact, frozen=True):
    """One mark of one guild's community day (local ISO ``date``), as RecordMarks carries it."""

    guild_id: int
    date: str
    mark: MarkFacts


class RecordMarks(RequestMessage, frozen=True, tag="record_marks"):
    """Add, update or cancel many marks, of any guilds and days, in one transaction;
    answered with MarksRecorded.

    The scheduler sends the clicks that reached it together (at most
    ``MAX_MARKS_PER_BATCH``); each mark is applied as RecordMark applies it, so a batch
    sent again after a lost answer stores nothing twice.
    """

    marks: list[DayMark] = msgspec.field(default_factory=list)


class MarksRecorded(ReplyMessage, frozen=True, tag="marks_recorded"):
    """What a RecordMarks changed: the state of each day whose stored marks changed, after
    the batch (a day the batch left as it was is not listed), and the positions in the
    batch of the marks refused (voice marks of members who opted out of telemetry)."""

    days: list[DayStateReply] = msgspec.field(default_factory=list)
    refused: list[int] = msgspec.field(default_factory=list)


class GetTimezones(RequestMessage, frozen=True, tag="get_timezones"):
    """The IANA timezones of these users; answered with TimezonesReply (unset ones omitted)."""

    user_ids: list[int]


class SetTimezone(RequestMessage, frozen=True, tag="set_timezone"):
    """Set (or with "" forget) a user's timezone; answered with TimezonesReply."""

    user_id: int
    timezone: str


class TimezonesReply(ReplyMessage, frozen=True, tag="timezones"):
    """User id -> IANA timezone name."""

    timezones: dict[int, str]


class VoiceSessionFacts(Fact, frozen=True):
    """One stay in one voice channel; ``end`` 0 while it is still open.

    ``ended`` is ``left``, ``moved``, ``reconciled`` (closed by a guild snapshot
    at the last time the member was seen) or ``opted_out``; "" while open.
    """

    channel_id: int
    user_id: int
    start: Instant
    end: Instant = 0.0
    ended: str = ""


class GetVoiceSessions(RequestMessage, frozen=True, tag="get_voice_sessions"):
    """Sessions overlapping ``days`` community days from local date ``first_day``.

    ``user_id`` 0 means everyone. Answered with VoiceSessionsReply.
    """

    guild_id: int
    first_day: str
    days: int = 1
    user_id: int = 0


class VoiceSessionsReply(ReplyMessage, frozen=True, tag="voice_sessions"):
    """Voice sessions of a period ``[start, end)`` in unix seconds, oldest first."""

    guild_id: int
    start: Instant
    end: Instant
    sessions: list[VoiceSessionFacts]


class SetTelemetryOptOut(RequestMessage, frozen=True, tag="set_telemetry_opt_out"):
    """Stop (or resume) recording a user's voice history; answered with PrivacyReply."""

    user_id: int
    opted_out: bool = True


class ForgetMember(RequestMessage, frozen=True, tag="forget_member"):
    """Delete everything stored about a user, in every guild; answered with PrivacyReply."""

    user_id: int


class PrivacyReply(ReplyMessage, frozen=True, tag="privacy"):
    """A user's privacy choice now, and how many rows the request deleted."""

    user_id: int
    opted_out: bool
    deleted_rows: int = 0


class Backup(RequestMessage, frozen=True, tag="backup"):
    """Write a consistent copy of the live database to ``path`` (absolute, not existing yet).

    Answered with BackupReply; ingestion goes on while it runs.
    """

    path: str


class BackupReply(ReplyMessage, frozen=True, tag="backup_done"):
    """Where the backup is and its size."""

    path: str
    size_bytes: int


class ReminderChoice(Fact, frozen=True):
    """A member's reminders in one guild: ``minutes`` before each run of hours they are in,
    by DM (``channel`` False) or as a mention in the daily channel."""

    user_id: int
    minutes: int = 15
    channel: bool = False


class GetReminders(RequestMessage, frozen=True, tag="get_reminders"):
    """Who wants reminders in a guild; answered with RemindersReply."""

    guild_id: int


class SetReminder(RequestMessage, frozen=True, tag="set_reminder"):
    """Turn a member's reminders on (``choice``) or off (None); answered with RemindersReply
    (that member's choice, or none)."""

    guild_id: int
    user_id: int
    choice: ReminderChoice | None = None


class RemindersReply(ReplyMessage, frozen=True, tag="reminders"):
    """Members' reminder choices, and which of them refused DMs from the bot (remembered
    from Discord's answer, so that a DM is not tried again and again)."""

    guild_id: int
    choices: list[ReminderChoice] = msgspec.field(default_factory=list)
    dms_closed: list[int] = msgspec.field(default_factory=list)


class RecordDmsClosed(RequestMessage, frozen=True, tag="record_dms_closed"):
    """Discord refused a DM to this user (50007); answered with Done. ``closed`` False
    forgets it (the member asked for DMs again)."""

    user_id: int
    closed: bool = True


type DeliveryKind = Literal["reminder", "call", "event", "nudge", "week"]


class Delivery(Fact, frozen=True):
    """One thing the bot sends once: a reminder, an "enough players" call, a scheduled event,
    a nudge or a week-ahead post, keyed by guild, community day, hour and member (a week's
    post: the week's first day, hour -1, member 0).

    ``state`` is ``claimed`` (recorded before Discord is asked), ``sent`` or ``dropped`` (it
    came too late to be of use). ``channel_id`` and ``message_id`` say where it went.
    """

    guild_id: int
    date: str
    hour: int  # the community hour; -1 for the whole day
    user_id: int  # 0 for an hour's call or event
    kind: DeliveryKind
    state: Literal["claimed", "sent", "dropped"] = "claimed"
    channel_id: int = 0
    message_id: int = 0
    at: Instant = 0.0


class ClaimDelivery(RequestMessage, frozen=True, tag="claim_delivery"):
    """Record that ``delivery`` is about to be sent, unless it is recorded already;
    answered with DeliveryReply (the stored one, ``fresh`` when this request made it)."""

    delivery: Delivery


class FinishDelivery(RequestMessage, frozen=True, tag="finish_delivery"):
    """Store a delivery's new state (``sent`` or ``dropped``) and where it went; answered
    with DeliveryReply. Finishing a finished delivery keeps the first finish."""

    delivery: Delivery


class GetDeliveries(RequestMessage, frozen=True, tag="get_deliveries"):
    """A guild's deliveries of one community day; answered with DeliveriesReply."""

    guild_id: int
    date: str


class DeliveryReply(ReplyMessage, frozen=True, tag="delivery"):
    """One delivery as stored."""

    delivery: Delivery
    fresh: bool = False


class DeliveriesReply(ReplyMessage, frozen=True, tag="deliveries"):
    """A day's deliveries, by hour, member and kind."""

    deliveries: list[Delivery] = msgspec.field(default_factory=list)


class NudgeChoice(Fact, frozen=True):
    """A member's nudges in one guild: on or off (``wanted``; a member with no choice
    follows the guild's ``nudges`` switch), and the local hours ``quiet_start`` ..
    ``quiet_end`` on their own clock when none is sent (23 to 9: from 23:00 to 09:00)."""

    user_id: int
    wanted: bool = True
    quiet_start: int = 23
    quiet_end: int = 9


class GetNudges(RequestMessage, frozen=True, tag="get_nudges"):
    """A guild's members' nudge choices; answered with NudgesReply."""

    guild_id: int


class SetNudge(RequestMessage, frozen=True, tag="set_nudge"):
    """Store one member's nudge choice; answered with NudgesReply (the choice as stored).
    Refused with ``bad_request`` for quiet hours outside 0-23 or another member's choice."""

    guild_id: int
    user_id: int
    choice: NudgeChoice


class NudgesReply(ReplyMessage, frozen=True, tag="nudges"):
    """Nudge choices of one guild, members who chose nothing omitted."""

    guild_id: int
    choices: list[NudgeChoice] = msgspec.field(default_factory=list)


class Regular(Fact, frozen=True):
    """A member who usually plays on a weekday: in voice on it ``weeks`` of the weeks looked
    at, and their usual co-players (most shared voice time first)."""

    user_id: int
    weeks: int
    partners: list[int] = msgspec.field(default_factory=list)


class GetRegulars(RequestMessage, frozen=True, tag="get_regulars"):
    """The members who were in voice on the weekday of community day ``date`` in at least
    ``min_weeks`` of the ``weeks`` weeks before it, each with up to ``partners`` usual
    co-players (by voice time shared over those weeks). Members who opted out of telemetry
    are left out, as regulars and as co-players. Answered with RegularsReply."""

    guild_id: int
    date: str
    weeks: int = 4
    min_weeks: int = 2
    partners: int = 5


class RegularsReply(ReplyMessage, frozen=True, tag="regulars"):
    """A weekday's regulars, by user id."""

    guild_id: int
    date: str
    regulars: list[Regular] = msgspec.field(default_factory=list)


class Absence(Fact, frozen=True):
    """A member away from one guild: from local day ``first`` to ``last`` (``YYYY-MM-DD``,
    both included) on the calendar of ``zone`` (the member's timezone when they said it, else
    the community's), their usual hours do not count. Clicks, voice and maybes still do: they
    are said on the day. It ends by itself after ``last``.

    ``at`` is when the member said it (or took it back, ``cancelled``): a later ``at`` wins,
    so a re-sent request changes nothing and an old one never undoes a newer one.
    """

    user_id: int
    first: str
    last: str
    zone: str
    note: str = ""
    cancelled: bool = False
    at: Instant = 0.0


class GetAbsences(RequestMessage, frozen=True, tag="get_absences"):
    """A guild's absences not taken back whose ``last`` day is on or after ``since`` (every
    one when empty), of ``user_ids`` (every member when empty), by member and first day;
    answered with AbsencesReply. The dashboard reads a member's with the same request."""

    guild_id: int
    user_ids: list[int] = msgspec.field(default_factory=list)
    since: str = ""


class SetAbsence(RequestMessage, frozen=True, tag="set_absence"):
    """Store one member's absence (keyed by its first day; a later ``at`` wins); answered
    with AbsencesReply (the member's absences from its first day). Refused with
    ``bad_absence`` when it ends before it starts, overlaps another of theirs or its note is
    too long, and ``bad_date`` or ``bad_timezone`` for a bad day or zone."""

    guild_id: int
    absence: Absence


class CancelAbsence(RequestMessage, frozen=True, tag="cancel_absence"):
    """Take back the absence of ``user_id`` that starts on ``first`` (as of ``at``, which
    must be later than when it was said); answered with AbsencesReply holding the cancelled
    absence, or nothing when the member has no such absence standing."""

    guild_id: int
    user_id: int
    first: str
    at: Instant = 0.0


class AbsencesReply(ReplyMessage, frozen=True, tag="absences"):
    """Absences of one guild."""

    guild_id: int
    absences: list[Absence] = msgspec.field(default_factory=list)


class Plan(Fact, frozen=True):
    """An hour a member planned on another day: window hour ``hour`` of community day
    ``day`` (``YYYY-MM-DD``, the community's calendar), where they count as in, as if they
    had clicked it. ``cancelled`` when taken back.

    ``at`` is when the member said it (or took it back): a later ``at`` wins, so a re-sent
    request changes nothing and an old one never undoes a newer one.
    """

    user_id: int
    day: str
    hour: int
    cancelled: bool = False
    at: Instant = 0.0


class GetPlans(RequestMessage, frozen=True, tag="get_plans"):
    """A guild's plans not taken back on community day ``since`` or later (every one when
    empty), of ``user_ids`` (every member when empty), by member, day and hour; answered
    with PlansReply. The dashboard's week ahead reads them with the same request."""

    guild_id: int
    user_ids: list[int] = msgspec.field(default_factory=list)
    since: str = ""


class SetPlans(RequestMessage, frozen=True, tag="set_plans"):
    """Store one member's planned hours (each keyed by its day and hour; a later ``at``
    wins; ``cancelled`` ones are taken back); answered with PlansReply holding the member's
    plans standing on the days written. Refused with ``bad_date`` or ``bad_hour`` for a bad
    day or hour, ``bad_request`` for another member's."""

    guild_id: int
    user_id: int
    plans: list[Plan] = msgspec.field(default_factory=list)


class PlansReply(ReplyMessage, frozen=True, tag="plans"):
    """Planned hours of one guild."""

    guild_id: int
    plans: list[Plan] = msgspec.field(default_factory=list)


TelemetryRequest = (
    GetGuildConfig
    | SetGuildConfig
    | GetSchedules
    | SetSchedule
    | ClearSchedule
    | GetDayState
    | RecordDailyPost
    | RecordMark
    | RecordMarks
    | GetTimezones
    | SetTimezone
    | GetVoiceSessions
    | SetTelemetryOptOut
    | ForgetMember
    | Backup
    | GetReminders
    | SetReminder
    | RecordDmsClosed
    | ClaimDelivery
    | FinishDelivery
    | GetDeliveries
    | GetNudges
    | SetNudge
    | GetRegulars
    | GetAbsences
    | SetAbsence
    | CancelAbsence
    | GetPlans
    | SetPlans
)
TelemetryReply = (
    GuildConfigReply
    | SchedulesReply
    | DayStateReply
    | MarksRecorded
    | TimezonesReply
    | VoiceSessionsReply
    | PrivacyReply
    | BackupReply
    | RemindersReply
    | DeliveryReply
    | DeliveriesReply
    | NudgesReply
    | RegularsReply
    | AbsencesReply
    | PlansReply
    | Done
)


# ==========================================================================
# The admin CLI: what it asks telemetry.
# ==========================================================================


class DeadLetter(Fact, frozen=True):
    """An event telemetry set aside instead of storing it, and why.

    ``payload`` is the frame as it arrived, as readable text (cut when long); ``received``
    is when telemetry first set it aside (a re-sent copy is recognised by ``id``).
    """

    id: str  # the envelope's id, ``<instance>:<seq>``
    source: str
    topic: str
    received: Instant
    reason: str
    payload: str = ""


class GetDeadLetters(RequestMessage, frozen=True, tag="get_dead_letters"):
    """The latest ``limit`` events telemetry set aside; answered with DeadLettersReply."""

    limit: int = 20


class DeadLettersReply(ReplyMessage, frozen=True, tag="dead_letters"):
    """Dead letters, newest first, and how many telemetry keeps in all."""

    letters: list[DeadLetter]
    total: int = 0


AdminTelemetryRequest = GetDeadLetters
AdminTelemetryReply = DeadLettersReply


# ==========================================================================
# The dashboard (``web``): what it asks the scheduler (fresh guild facts, the
# live board) and telemetry (graphs, members at a glance, a member's own data).
# ==========================================================================


class GetMember(RequestMessage, frozen=True, tag="get_member"):
    """One member of a guild as the scheduler's roster has it now (the gateway's facts);
    answered with MemberReply. The dashboard checks every request with it."""

    guild_id: int
    user_id: int


class MemberReply(ReplyMessage, frozen=True, tag="member"):
    """A guild's name and owner and one of its members; ``member`` None when the guild or
    the member is unknown (not in that guild, or the bot is not there)."""

    guild_id: int
    guild_name: str = ""
    owner_id: int = 0
    member: MemberFacts | None = None
    guild_icon_url: str = ""


class GetRoster(RequestMessage, frozen=True, tag="get_roster"):
    """Every member of a guild the scheduler knows; answered with RosterReply."""

    guild_id: int


class RosterReply(ReplyMessage, frozen=True, tag="roster"):
    """A guild's members (bots left out), by user id, and its channels and roles, so that
    the dashboard names what it shows."""

    guild_id: int
    guild_name: str = ""
    members: list[MemberFacts] = msgspec.field(default_factory=list)
    guild_icon_url: str = ""
    channels: list[ChannelFacts] = msgspec.field(default_factory=list)
    roles: list[RoleFacts] = msgspec.field(default_factory=list)


class BoardPlayer(Fact, frozen=True):
    """One member in one hour of the board: ``how`` is ``voice``, ``reaction`` or
    ``schedule`` (see ``services.runtime.playtime.How``)."""

    user_id: int
    name: str = ""
    rank_emoji: str = ""
    how: str = "reaction"


class BoardHour(Fact, frozen=True):
    """One hour of today's window: its local hour, first instant, emoji and players;
    ``maybes`` are the members who said "maybe" for it and are not in (their ``how`` is
    ``maybe``): shown apart, never counted as players."""

    hour: int
    start: Instant = 0.0
    emoji: str = ""
    players: list[BoardPlayer] = msgspec.field(default_factory=list)
    maybes: list[BoardPlayer] = msgspec.field(default_factory=list)


class GetBoard(RequestMessage, frozen=True, tag="get_board"):
    """Who is in each hour of a guild's current daily message; answered with BoardReply."""

    guild_id: int


class BoardReply(ReplyMessage, frozen=True, tag="board"):
    """The current community day's board (``date`` "" and no hours before the first post)."""

    guild_id: int
    date: str = ""
    timezone: str = "UTC"
    posted: bool = False
    hours: list[BoardHour] = msgspec.field(default_factory=list)


SchedulerRequest = GetMember | GetRoster | GetBoard
SchedulerReply = MemberReply | RosterReply | BoardReply


type GraphName = Literal[
    "community", "duos", "voice-time", "inactive", "weekdays", "months", "timeline", "week"
]
"""The graphs of ``/stats``, by the names it gives them (``GraphKind``'s values)."""

type GraphFormat = Literal["png", "svg"]
"""How a graph is drawn: PNG for Discord and files, SVG for the dashboard (it scales to the
screen and carries each drawn value as a hover title)."""

ALL_HISTORY = 0
"""A graph's ``days`` that means everything recorded, not the last so many days."""

GRAPH_TITLES: dict[GraphName, str] = {
    "community": "Community network",
    "duos": "Duo time",
    "voice-time": "Time in voice",
    "inactive": "Inactive members",
    "weekdays": "Day of week",
    "months": "Hours per month",
    "timeline": "Weekly timeline",
    "week": "A member's week",
}
"""What each graph is called in ``/stats``, on the dashboard and in the admin CLI: the one
place a graph's title is spelled, so the three never drift apart."""

GRAPH_DEFAULT_DAYS: dict[GraphName, int] = {
    "community": 30,
    "duos": 30,
    "voice-time": 30,
    "inactive": 84,
    "weekdays": 91,
    "months": ALL_HISTORY,
    "timeline": 84,
    "week": 7,
}
"""Each graph's period when none is asked for, fitted to its question: who plays with whom is
this month's story, drift needs months (all the history), a trend needs twelve weeks, a
day-of-week habit thirteen of each weekday. ``week`` always draws the current local week."""


class GetDataVersion(RequestMessage, frozen=True, tag="get_data_version"):
    """A stamp that changes whenever a guild's graphs could (a session opened, closed or
    deleted, an opt-out); answered with DataVersionReply. The dashboard keys its PNG cache
    on it."""

    guild_id: int


class DataVersionReply(ReplyMessage, frozen=True, tag="data_version"):
    """The stamp: equal stamps mean the same data."""

    guild_id: int
    version: str = ""


class GetGraph(RequestMessage, frozen=True, tag="get_graph"):
    """One graph of a guild as a PNG or an SVG, drawn by telemetry's graph worker; opted-out
    members' history is left out. ``member`` is for ``week`` only. Answered with GraphReply;
    refused with ``bad_period``, ``bad_request`` (no such graph, or a ``week``
    without a member) or ``no_data`` (no voice activity recorded yet)."""

    guild_id: int
    graph: GraphName = "voice-time"
    days: int = 28
    """The last so many local days, or ``ALL_HISTORY``; ``GRAPH_DEFAULT_DAYS`` has each
    graph's own default."""
    member: int = 0
    format: GraphFormat = "png"
    """Added after the message first shipped: a telemetry older than it draws a PNG whatever
    is asked, and says so by filling ``png`` (see GraphReply)."""


class GraphReply(ReplyMessage, frozen=True, tag="graph"):
    """The graph, and the data version it was drawn from: exactly one of ``png`` and ``svg``
    holds it, the one drawn. ``svg`` came later than ``png``: a reply from a telemetry that
    does not know it holds a PNG even when an SVG was asked, and a reader serves what it got
    under that format's type rather than fail."""

    png: bytes = b""
    version: str = ""
    svg: bytes = b""


class MemberGlance(Fact, frozen=True):
    """One member in the moderators' table. ``marked_hours``: past hours of the last four
    weeks they said they would play (a reaction, or their usual hours from when they saved
    them); ``kept_hours``: how many of those they then spent in voice. ``last_seen`` 0:
    never in voice. "This week" and "the last 4 weeks" are the last 7 and 28 days."""

    user_id: int
    last_seen: Instant = 0.0
    hours_week: float = 0.0
    hours_4_weeks: float = 0.0
    marked_hours: int = 0
    kept_hours: int = 0


class GetMembersGlance(RequestMessage, frozen=True, tag="get_members_glance"):
    """The members table of a guild (opted-out members left out); answered with
    MembersGlanceReply."""

    guild_id: int


class HourThere(Fact, frozen=True):
    """A past hour some members said they would play, and who of them was there (in voice
    for at least a quarter of it)."""

    start: Instant
    there: list[int] = msgspec.field(default_factory=list)


class MembersGlanceReply(ReplyMessage, frozen=True, tag="members_glance"):
    """One row per member with a voice history or marks. Reliability is the server's
    choice (``/config reliability``): with it off (``reliability`` False) the rows'
    ``marked_hours`` and ``kept_hours`` are 0 and ``there`` is empty; with it on, ``there``
    holds the past hours of the last 7 days, oldest first."""

    guild_id: int
    members: list[MemberGlance] = msgspec.field(default_factory=list)
    opted_out: list[int] = msgspec.field(default_factory=list)
    reliability: bool = False
    there: list[HourThere] = msgspec.field(default_factory=list)


class WeekHours(Fact, frozen=True):
    """Hours in voice in the 7 local days from ``first_day`` (an ISO date): the dashboard's
    weeks are the last 7 days and the 7-day blocks before them, not calendar weeks.
    ``monday`` holds the same date, for readers from when weeks began on Mondays."""

    monday: str
    hours: float = 0.0
    first_day: str = ""


class CoPlayer(Fact, frozen=True):
    """Someone a member shared voice with, and for how long (hours)."""

    user_id: int
    hours: float = 0.0


class GetMyMonth(RequestMessage, frozen=True, tag="get_my_month"):
    """A member's last four weeks: hours per week and who they played with most; answered
    with MyMonthReply."""

    guild_id: int
    user_id: int


class MyMonthReply(ReplyMessage, frozen=True, tag="my_month"):
    """Empty for a member who opted out (``opted_out`` says so)."""

    guild_id: int
    user_id: int
    opted_out: bool = False
    weeks: list[WeekHours] = msgspec.field(default_factory=list)
    co_players: list[CoPlayer] = msgspec.field(default_factory=list)
    hours_week: float = 0.0  # the same figures as the members table's
    hours_4_weeks: float = 0.0
    marked_hours: int = 0  # the member's own reliability, as MemberGlance counts it
    kept_hours: int = 0


class GetPrivacy(RequestMessage, frozen=True, tag="get_privacy"):
    """A user's privacy choice; answered with PrivacyReply."""

    user_id: int


class DatedMark(Fact, frozen=True):
    """A mark and the community day it is on."""

    date: str
    mark: MarkFacts


class GetMemberMarks(RequestMessage, frozen=True, tag="get_member_marks"):
    """One member's marks over ``days`` community days from ``first_day``; answered with
    MemberMarksReply (``bad_date``, ``bad_period``)."""

    guild_id: int
    user_id: int
    first_day: str
    days: int = 1


class MemberMarksReply(ReplyMessage, frozen=True, tag="member_marks"):
    """Oldest first."""

    marks: list[DatedMark] = msgspec.field(default_factory=list)


class GetFeed(RequestMessage, frozen=True, tag="get_feed"):
    """A member's calendar feed secret, made on first ask; ``renew`` replaces it (the old
    address stops working). Answered with FeedReply."""

    guild_id: int
    user_id: int
    renew: bool = False


class FindFeed(RequestMessage, frozen=True, tag="find_feed"):
    """Whose calendar feed ``secret`` opens; answered with FeedReply (ids 0: nobody's)."""

    secret: str


class FeedReply(ReplyMessage, frozen=True, tag="feed"):
    """A feed's owner and secret."""

    guild_id: int = 0
    user_id: int = 0
    secret: str = ""


class OpenWebSession(RequestMessage, frozen=True, tag="open_web_session"):
    """A member logged in to the dashboard: keep their session until ``expires``, with the
    guilds Discord listed for them (kept here, not in their cookie, which a member of 200
    servers would overflow). ``token`` is a hash of the cookie's secret, never the secret.
    Sessions that expired before ``opened`` are dropped. Answered with WebSessionReply."""

    token: str
    user_id: int
    guild_ids: list[int] = msgspec.field(default_factory=list)
    opened: Instant = 0.0
    expires: Instant = 0.0


class FindWebSession(RequestMessage, frozen=True, tag="find_web_session"):
    """Whose open dashboard session ``token`` is; answered with WebSessionReply (user 0:
    nobody's: never opened, logged out, or ended everywhere). The dashboard asks on every
    page, so that a logout ends a copied cookie too."""

    token: str


class EndWebSessions(RequestMessage, frozen=True, tag="end_web_sessions"):
    """Log out: end the session ``token``, or with ``everywhere`` every session of its
    member (every browser). Answered with WebSessionReply (``ended``: how many)."""

    token: str
    everywhere: bool = False


class WebSessionReply(ReplyMessage, frozen=True, tag="web_session"):
    """A session's member and the guilds Discord listed at login; ``ended`` for a logout."""

    user_id: int = 0
    guild_ids: list[int] = msgspec.field(default_factory=list)
    ended: int = 0


DashboardTelemetryRequest = (
    GetDataVersion
    | GetGraph
    | GetMembersGlance
    | GetMyMonth
    | GetPrivacy
    | GetMemberMarks
    | GetFeed
    | FindFeed
    | OpenWebSession
    | FindWebSession
    | EndWebSessions
)
DashboardTelemetryReply = (
    DataVersionReply
    | GraphReply
    | MembersGlanceReply
    | MyMonthReply
    | MemberMarksReply
    | FeedReply
    | PrivacyReply
    | WebSessionReply
)


# ==========================================================================
# The unions. A new message goes into its section's union above; receivers'
# ``match`` statements then fail type-checking until they handle it.
# ==========================================================================

Event = Heartbeat | Note | GatewayEvent
Request = (
    Ping
    | GatewayRequest
    | TelemetryRequest
    | SchedulerRequest
    | DashboardTelemetryRequest
    | AdminTelemetryRequest
)
Reply = (
    Pong
    | ErrorReply
    | GatewayReply
    | TelemetryReply
    | SchedulerReply
    | DashboardTelemetryReply
    | AdminTelemetryReply
)
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
    time: Instant
    body: Body
    recorded: bool = False
    correlation: str = ""
    deadline: Instant = 0.0


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

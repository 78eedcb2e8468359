"""The gateway's messages: facts from Discord it publishes, and the commands other services
send it (and their replies)."""

from __future__ import annotations

from enum import IntEnum

import msgspec

from bus.protocol.common import (
    ChannelFacts,
    EmojiFacts,
    EventMessage,
    Fact,
    Instant,
    InteractionKind,
    MemberFacts,
    ReplyMessage,
    RequestMessage,
    ResponseKind,
    RoleFacts,
    VoiceFacts,
)

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
    """One page of the snapshots of the guilds the bot is in, from the cache; answered with
    GuildsFetched.

    For a service that starts after the gateway and so missed its snapshots. The guilds come
    in id order from the first one after ``after``, as many as fit in ``page_bytes`` of
    encoded snapshots (always at least one, so a guild bigger than a page still comes, alone);
    the reply's ``next_after`` is the cursor of the next page. ``page_bytes`` 0 is every guild
    in one frame: the message's first contract, kept for an asker started before paging
    (``services/runtime/guilds.py`` is how a service asks).
    """

    after: int = 0
    page_bytes: int = 0


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
    """A page of the guilds the gateway's cache holds, as snapshots, in id order.

    ``next_after``: the ``after`` that asks for the next page; 0 when this page is the last.
    ``epoch``: which cache the page was read from (one per gateway process and connection);
    pages of different epochs must not be joined, as a restarted gateway's cache may hold
    other guilds: the asker starts over.
    """

    guilds: list[GuildSnapshot] = msgspec.field(default_factory=list)
    next_after: int = 0
    epoch: str = ""


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

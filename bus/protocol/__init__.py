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

Layout
------
One module per owner of the messages in it: ``common`` (the kinds of message, the bus's
own, the facts several services share), ``gateway``, ``telemetry``, ``scheduler`` and
``dashboard``; a new message goes into its owner's module and its section's union there.
The unions of every message are joined here, and every name is importable from
``bus.protocol`` itself.
"""

from __future__ import annotations

import msgspec

from bus.protocol.common import (
    INSTANT_MAX,
    INSTANT_MIN,
    Ack,
    ChannelFacts,
    ChannelType,
    ControlMessage,
    EmojiFacts,
    ErrorReply,
    EventMessage,
    Fact,
    GuildConfig,
    Heartbeat,
    Instant,
    InteractionKind,
    MemberFacts,
    Message,
    Note,
    Ping,
    Pong,
    Probe,
    ReplyMessage,
    RequestMessage,
    ResponseKind,
    RoleFacts,
    VoiceFacts,
)
from bus.protocol.dashboard import (
    ALL_HISTORY,
    CoPlayer,
    DashboardTelemetryReply,
    DashboardTelemetryRequest,
    DataVersionReply,
    DatedMark,
    EndWebSessions,
    FeedReply,
    FindFeed,
    FindWebSession,
    GetDataVersion,
    GetFeed,
    GetGraph,
    GetGraphKinds,
    GetMemberMarks,
    GetMembersGlance,
    GetMyMonth,
    GetPrivacy,
    GraphFormat,
    GraphInfo,
    GraphKindsReply,
    GraphName,
    GraphReply,
    HourThere,
    MemberGlance,
    MemberMarksReply,
    MembersGlanceReply,
    MyMonthReply,
    OpenWebSession,
    WebSessionReply,
    WeekHours,
)
from bus.protocol.gateway import (
    ActionRow,
    AddReactions,
    Choice,
    CommandSpec,
    Component,
    ComponentType,
    CreateScheduledEvent,
    DeleteMessage,
    DirectChannel,
    Done,
    EditMessage,
    EditScheduledEvent,
    EmojisUpdated,
    EventInterest,
    EventInterestedReply,
    FetchEventInterested,
    FetchGuilds,
    FetchMessage,
    FetchRecentMessages,
    FetchScheduledEvents,
    FileUpload,
    GatewayEvent,
    GatewayReply,
    GatewayRequest,
    GuildsFetched,
    GuildSnapshot,
    Interaction,
    InteractionAnswer,
    InteractionFollowUp,
    InteractionResponse,
    MemberLeft,
    MemberUpdated,
    MessageFetched,
    MessageSent,
    MessageSummary,
    OpenDirectMessage,
    OptionSpec,
    ReactionAdded,
    ReactionRemoved,
    ReactionUsers,
    RecentMessages,
    RegisterCommands,
    RemoveReactions,
    ScheduledEventFacts,
    ScheduledEventReply,
    ScheduledEventsReply,
    SelectChoice,
    SendMessage,
    SetVoiceStatus,
    SubcommandSpec,
    VoiceChanged,
)
from bus.protocol.scheduler import (
    BoardHour,
    BoardPlayer,
    BoardReply,
    GetBoard,
    GetMember,
    GetRoster,
    MemberReply,
    RosterReply,
    SchedulerReply,
    SchedulerRequest,
)
from bus.protocol.telemetry import (
    MAX_MARKS_PER_BATCH,
    Absence,
    AbsencesReply,
    AdminTelemetryReply,
    AdminTelemetryRequest,
    Backup,
    BackupReply,
    CancelAbsence,
    ClaimDelivery,
    ClearSchedule,
    DayMark,
    DayStateReply,
    DeadLetter,
    DeadLettersReply,
    DeliveriesReply,
    Delivery,
    DeliveryKind,
    DeliveryReply,
    FinishDelivery,
    ForgetMember,
    GetAbsences,
    GetDayState,
    GetDeadLetters,
    GetDeliveries,
    GetGuildConfig,
    GetNudges,
    GetPlans,
    GetRegulars,
    GetReminders,
    GetSchedules,
    GetTimezones,
    GetVoiceSessions,
    GuildConfigReply,
    MarkFacts,
    MarksRecorded,
    MemberSchedule,
    NudgeChoice,
    NudgesReply,
    Plan,
    PlansReply,
    PostWindow,
    PrivacyReply,
    RecordDailyPost,
    RecordDmsClosed,
    RecordMark,
    RecordMarks,
    Regular,
    RegularsReply,
    ReminderChoice,
    RemindersReply,
    SchedulesReply,
    SetAbsence,
    SetGuildConfig,
    SetNudge,
    SetPlans,
    SetReminder,
    SetSchedule,
    SetTelemetryOptOut,
    SetTimezone,
    TelemetryReply,
    TelemetryRequest,
    TimezonesReply,
    VoiceSessionFacts,
    VoiceSessionsReply,
    WeeklySlot,
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


__all__ = [
    "ALL_HISTORY",
    "INSTANT_MAX",
    "INSTANT_MIN",
    "MAX_MARKS_PER_BATCH",
    "Absence",
    "AbsencesReply",
    "Ack",
    "ActionRow",
    "AddReactions",
    "AdminTelemetryReply",
    "AdminTelemetryRequest",
    "Backup",
    "BackupReply",
    "BoardHour",
    "BoardPlayer",
    "BoardReply",
    "Body",
    "CancelAbsence",
    "ChannelFacts",
    "ChannelType",
    "Choice",
    "ClaimDelivery",
    "ClearSchedule",
    "CoPlayer",
    "CommandSpec",
    "Component",
    "ComponentType",
    "Control",
    "ControlMessage",
    "CreateScheduledEvent",
    "DashboardTelemetryReply",
    "DashboardTelemetryRequest",
    "DataVersionReply",
    "DatedMark",
    "DayMark",
    "DayStateReply",
    "DeadLetter",
    "DeadLettersReply",
    "DeleteMessage",
    "DeliveriesReply",
    "Delivery",
    "DeliveryKind",
    "DeliveryReply",
    "DirectChannel",
    "Done",
    "EditMessage",
    "EditScheduledEvent",
    "EmojiFacts",
    "EmojisUpdated",
    "EndWebSessions",
    "Envelope",
    "ErrorReply",
    "Event",
    "EventInterest",
    "EventInterestedReply",
    "EventMessage",
    "Fact",
    "FeedReply",
    "FetchEventInterested",
    "FetchGuilds",
    "FetchMessage",
    "FetchRecentMessages",
    "FetchScheduledEvents",
    "FileUpload",
    "FindFeed",
    "FindWebSession",
    "FinishDelivery",
    "ForgetMember",
    "GatewayEvent",
    "GatewayReply",
    "GatewayRequest",
    "GetAbsences",
    "GetBoard",
    "GetDataVersion",
    "GetDayState",
    "GetDeadLetters",
    "GetDeliveries",
    "GetFeed",
    "GetGraph",
    "GetGraphKinds",
    "GetGuildConfig",
    "GetMember",
    "GetMemberMarks",
    "GetMembersGlance",
    "GetMyMonth",
    "GetNudges",
    "GetPlans",
    "GetPrivacy",
    "GetRegulars",
    "GetReminders",
    "GetRoster",
    "GetSchedules",
    "GetTimezones",
    "GetVoiceSessions",
    "GraphFormat",
    "GraphInfo",
    "GraphKindsReply",
    "GraphName",
    "GraphReply",
    "GuildConfig",
    "GuildConfigReply",
    "GuildSnapshot",
    "GuildsFetched",
    "Heartbeat",
    "HourThere",
    "Instant",
    "Interaction",
    "InteractionAnswer",
    "InteractionFollowUp",
    "InteractionKind",
    "InteractionResponse",
    "MarkFacts",
    "MarksRecorded",
    "MemberFacts",
    "MemberGlance",
    "MemberLeft",
    "MemberMarksReply",
    "MemberReply",
    "MemberSchedule",
    "MemberUpdated",
    "MembersGlanceReply",
    "Message",
    "MessageFetched",
    "MessageSent",
    "MessageSummary",
    "MyMonthReply",
    "Note",
    "NudgeChoice",
    "NudgesReply",
    "OpenDirectMessage",
    "OpenWebSession",
    "OptionSpec",
    "Ping",
    "Plan",
    "PlansReply",
    "Pong",
    "PostWindow",
    "PrivacyReply",
    "Probe",
    "ReactionAdded",
    "ReactionRemoved",
    "ReactionUsers",
    "RecentMessages",
    "RecordDailyPost",
    "RecordDmsClosed",
    "RecordMark",
    "RecordMarks",
    "RegisterCommands",
    "Regular",
    "RegularsReply",
    "ReminderChoice",
    "RemindersReply",
    "RemoveReactions",
    "Reply",
    "ReplyMessage",
    "Request",
    "RequestMessage",
    "ResponseKind",
    "RoleFacts",
    "RosterReply",
    "ScheduledEventFacts",
    "ScheduledEventReply",
    "ScheduledEventsReply",
    "SchedulerReply",
    "SchedulerRequest",
    "SchedulesReply",
    "SelectChoice",
    "SendMessage",
    "SetAbsence",
    "SetGuildConfig",
    "SetNudge",
    "SetPlans",
    "SetReminder",
    "SetSchedule",
    "SetTelemetryOptOut",
    "SetTimezone",
    "SetVoiceStatus",
    "SubcommandSpec",
    "TelemetryReply",
    "TelemetryRequest",
    "TimezonesReply",
    "VoiceChanged",
    "VoiceFacts",
    "VoiceSessionFacts",
    "VoiceSessionsReply",
    "WebSessionReply",
    "WeekHours",
    "WeeklySlot",
]

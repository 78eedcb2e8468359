"""Telemetry's messages: what the other services and the admin CLI ask the record, and its
replies."""

from __future__ import annotations

from typing import Literal

import msgspec

from bus.protocol.common import Fact, GuildConfig, Instant, ReplyMessage, RequestMessage
from bus.protocol.gateway import Done

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

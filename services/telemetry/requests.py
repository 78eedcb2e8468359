"""The telemetry's typed request API: validation, then the store, on the database thread.

Validation is pure and happens on the event loop; a bad request is refused with a
``RequestRefused`` whose code is stable (``bad_timezone``, ``bad_window``, ``bad_hour``...).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import assert_never

import msgspec

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    Absence,
    AbsencesReply,
    Backup,
    BackupReply,
    CancelAbsence,
    ClaimDelivery,
    ClearSchedule,
    DayStateReply,
    DeliveriesReply,
    Delivery,
    DeliveryReply,
    Done,
    FinishDelivery,
    ForgetMember,
    GetAbsences,
    GetDayState,
    GetDeliveries,
    GetGuildConfig,
    GetNudges,
    GetRegulars,
    GetReminders,
    GetSchedules,
    GetTimezones,
    GetVoiceSessions,
    GuildConfig,
    GuildConfigReply,
    MarkFacts,
    MemberSchedule,
    NudgeChoice,
    NudgesReply,
    PostWindow,
    PrivacyReply,
    RecordDailyPost,
    RecordDmsClosed,
    RecordMark,
    Regular,
    RegularsReply,
    ReminderChoice,
    RemindersReply,
    SchedulesReply,
    SetAbsence,
    SetGuildConfig,
    SetNudge,
    SetReminder,
    SetSchedule,
    SetTelemetryOptOut,
    SetTimezone,
    TelemetryReply,
    TelemetryRequest,
    TimezonesReply,
    VoiceSessionsReply,
)
from services.runtime.playtime import (
    MAX_AWAY_NOTE,
    MAX_QUORUM,
    MAX_WINDOW_HOURS,
    MIN_QUORUM,
    community_date,
    timezone_named,
)
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry import absences, days, deliveries, regulars, schedules, store
from services.telemetry.backup import BackupError, backup_database
from services.telemetry.clock import local_days, parse_day
from services.telemetry.database import DatabaseThread
from services.telemetry.ingest import Recorder
from services.telemetry.sessions import sessions_between

MAX_PERIOD_DAYS = 366
# Days whose every instant, in any zone and with a period after them, is a bus ``Instant``
# (from ``INSTANT_MIN``, 1970-01-01 UTC, to ``INSTANT_MAX``, 2100-01-01 UTC).
FIRST_DAY = date(1970, 1, 2)
LAST_DAY = date(2098, 12, 31)
MARK_SOURCES = frozenset(days.SOURCES)
_POST_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
MIN_REMINDER, MAX_REMINDER = 5, 120  # minutes before the hour
MAX_REGULAR_WEEKS, MAX_PARTNERS = 12, 25


class Requests:
    """Answers ``TelemetryRequest``s from the database."""

    def __init__(
        self,
        db: DatabaseThread,
        recorder: Recorder,
        clock: Callable[[], float],
    ) -> None:
        self._db = db
        self._recorder = recorder
        self._clock = clock

    async def answer(self, request: TelemetryRequest) -> TelemetryReply:
        """The reply to ``request``; raises RequestRefused for a bad one."""
        db = self._db
        match request:
            case GetGuildConfig(guild_id=guild_id):
                return GuildConfigReply(config=await db.call(store.get_config, guild_id))
            case SetGuildConfig(config=config):
                check_config(config)
                return GuildConfigReply(config=await db.call(store.set_config, config))
            case GetSchedules(guild_id=guild_id, user_ids=user_ids):
                found = await db.call(schedules.get_schedules, guild_id, user_ids)
                return SchedulesReply(guild_id=guild_id, schedules=found)
            case SetSchedule(guild_id=guild_id, schedule=schedule):
                check_schedule(schedule)
                saved = await db.call(schedules.set_schedule, guild_id, schedule, self._clock())
                return SchedulesReply(guild_id=guild_id, schedules=saved)
            case ClearSchedule(guild_id=guild_id, user_id=user_id):
                await db.call(schedules.clear_schedule, guild_id, user_id, self._clock())
                return SchedulesReply(guild_id=guild_id, schedules=[])
            case GetDayState(guild_id=guild_id, date=text, at=at):
                if text:
                    day = check_day(text)
                else:
                    zone = zone_or_utc(await db.call(store.guild_timezone, guild_id))
                    day = community_date(at or self._clock(), zone)
                return _day_reply(guild_id, day, await db.call(days.get_day, guild_id, day))
            case RecordDailyPost(guild_id=guild_id, date=text):
                day = check_day(text)
                if request.message_id <= 0 or request.channel_id <= 0:
                    raise RequestRefused(
                        ErrorCode.BAD_REQUEST, "a daily post needs its channel and message"
                    )
                if request.window is not None:
                    check_window(request.window)
                state = await db.call(
                    days.record_post,
                    guild_id,
                    day,
                    request.channel_id,
                    request.message_id,
                    request.posted_at or self._clock(),
                    request.window,
                )
                return _day_reply(guild_id, day, state)
            case RecordMark(guild_id=guild_id, date=text, mark=mark):
                day = check_day(text)
                check_mark(mark)
                state = await db.call(self._record_mark, guild_id, day, mark)
                return _day_reply(guild_id, day, state)
            case GetTimezones(user_ids=user_ids):
                return TimezonesReply(timezones=await db.call(store.get_timezones, user_ids))
            case SetTimezone(user_id=user_id, timezone=name):
                if name:
                    check_timezone(name)
                return TimezonesReply(timezones=await db.call(store.set_timezone, user_id, name))
            case GetVoiceSessions(guild_id=guild_id, first_day=text, days=count, user_id=user_id):
                first = check_day(text)
                if not 1 <= count <= MAX_PERIOD_DAYS:
                    raise RequestRefused(
                        ErrorCode.BAD_PERIOD,
                        f"a period is 1 to {MAX_PERIOD_DAYS} days, not {count}",
                    )
                zone = zone_or_utc(await db.call(store.guild_timezone, guild_id))
                start, end = local_days(first, count, zone)
                sessions = await db.call(sessions_between, guild_id, start, end, user_id)
                return VoiceSessionsReply(
                    guild_id=guild_id, start=start, end=end, sessions=sessions
                )
            case SetTelemetryOptOut(user_id=user_id, opted_out=opted_out):
                await db.call(self._recorder.set_opt_out, user_id, opted_out, self._clock())
                return PrivacyReply(user_id=user_id, opted_out=opted_out)
            case ForgetMember(user_id=user_id):
                deleted = await db.call(self._forget, user_id)
                return PrivacyReply(
                    user_id=user_id,
                    opted_out=self._recorder.is_opted_out(user_id),
                    deleted_rows=deleted,
                )
            case GetReminders(guild_id=guild_id):
                choices, closed = await db.call(deliveries.get_reminders, guild_id)
                return RemindersReply(guild_id=guild_id, choices=choices, dms_closed=closed)
            case SetReminder(guild_id=guild_id, user_id=user_id, choice=choice):
                if choice is not None:
                    check_reminder(choice, user_id)
                await db.call(deliveries.set_reminder, guild_id, user_id, choice)
                return RemindersReply(guild_id=guild_id, choices=[choice] if choice else [])
            case RecordDmsClosed(user_id=user_id, closed=closed):
                await db.call(deliveries.record_dms_closed, user_id, closed)
                return Done()
            case ClaimDelivery(delivery=delivery):
                check_delivery(delivery)
                claimed, fresh = await db.call(deliveries.claim, _stamped(delivery, self._clock))
                return DeliveryReply(delivery=claimed, fresh=fresh)
            case FinishDelivery(delivery=delivery):
                check_delivery(delivery)
                if delivery.state == "claimed" and not delivery.channel_id:
                    raise RequestRefused(
                        ErrorCode.BAD_REQUEST, "finish a delivery as sent or dropped"
                    )
                finished = await db.call(deliveries.finish, _stamped(delivery, self._clock))
                return DeliveryReply(delivery=finished)
            case GetDeliveries(guild_id=guild_id, date=text):
                check_day(text)
                found_all = await db.call(deliveries.get_deliveries, guild_id, text)
                return DeliveriesReply(deliveries=found_all)
            case GetNudges(guild_id=guild_id):
                found_nudges = await db.call(deliveries.get_nudges, guild_id)
                return NudgesReply(guild_id=guild_id, choices=found_nudges)
            case SetNudge(guild_id=guild_id, user_id=user_id, choice=nudge):
                check_nudge(nudge, user_id)
                await db.call(deliveries.set_nudge, guild_id, nudge)
                return NudgesReply(guild_id=guild_id, choices=[nudge])
            case GetRegulars(guild_id=guild_id, date=text):
                day = check_day(text)
                check_regulars(request)
                found_regulars = await db.call(
                    regulars.find_regulars,
                    guild_id,
                    day,
                    weeks=request.weeks,
                    min_weeks=request.min_weeks,
                    partners=request.partners,
                )
                return RegularsReply(
                    guild_id=guild_id,
                    date=text,
                    regulars=[
                        Regular(user_id=r.user_id, weeks=r.weeks, partners=list(r.partners))
                        for r in found_regulars
                    ],
                )
            case GetAbsences(guild_id=guild_id, user_ids=user_ids, since=since):
                after = check_day(since) if since else None
                found_away = await db.call(absences.get_absences, guild_id, user_ids, after)
                return AbsencesReply(guild_id=guild_id, absences=found_away)
            case SetAbsence(guild_id=guild_id, absence=absence):
                check_absence(absence)
                stamped = (
                    absence if absence.at else msgspec.structs.replace(absence, at=self._clock())
                )
                stored = await db.call(absences.set_absence, guild_id, stamped)
                return AbsencesReply(guild_id=guild_id, absences=stored)
            case CancelAbsence(guild_id=guild_id, user_id=user_id, first=first, at=at):
                day = check_day(first)
                taken = await db.call(
                    absences.cancel_absence, guild_id, user_id, day, at or self._clock()
                )
                return AbsencesReply(guild_id=guild_id, absences=taken)
            case Backup(path=path):
                target = check_backup_path(path, db.path)
                try:
                    # Its own thread and connection: the database thread keeps ingesting.
                    size = await asyncio.to_thread(backup_database, db.path, target)
                except BackupError as error:
                    raise RequestRefused(ErrorCode.BACKUP_FAILED, str(error)) from None
                return BackupReply(path=str(target), size_bytes=size)
            case _:
                assert_never(request)

    def _record_mark(
        self, connection: sqlite3.Connection, guild_id: int, day: date, mark: MarkFacts
    ) -> days.DayState:
        """RecordMark: store one mark of a daily message, unless it is telemetry of an opt-out.

        A ``voice`` mark is added by the bot from the member's presence in voice: it is
        telemetry about the member, so for a member who opted out it is refused with the
        code ``opted_out`` and nothing is stored. ``reaction`` and ``schedule`` marks are
        the member's own answers to the daily message, which needs them to list who
        plays: they are stored whatever the choice. Marks stored before the member opted
        out stay, like their voice history; ForgetMember deletes every mark and schedule.
        Runs on the database thread, where opt-outs are applied, so a mark can never slip
        in after the choice was recorded.
        """
        if mark.source == "voice" and self._recorder.is_opted_out(mark.user_id):
            raise RequestRefused(
                ErrorCode.OPTED_OUT, f"user {mark.user_id} opted out of telemetry: no voice marks"
            )
        return days.record_mark(connection, guild_id, day, mark)

    def _forget(self, connection: sqlite3.Connection, user_id: int) -> int:
        deleted = store.forget_user(connection, user_id)
        self._recorder.forget(user_id)
        return deleted


def _day_reply(guild_id: int, day: date, state: days.DayState) -> DayStateReply:
    return DayStateReply(
        guild_id=guild_id,
        date=day.isoformat(),
        channel_id=state.channel_id,
        message_id=state.message_id,
        posted_at=state.posted_at,
        marks=state.marks,
        window=state.window,
    )


def check_timezone(name: str) -> None:
    """Refuse a name that is not an IANA timezone."""
    if timezone_named(name) is None:
        raise RequestRefused(
            ErrorCode.BAD_TIMEZONE, f"{name!r} is not an IANA timezone (Europe/Paris)"
        )


def check_hour(hour: int) -> None:
    """Refuse an hour outside 0-23."""
    if not 0 <= hour <= 23:
        raise RequestRefused(ErrorCode.BAD_HOUR, f"an hour is 0 to 23, not {hour}")


def check_day(text: str) -> date:
    """A ``YYYY-MM-DD`` date whose instants the bus carries, or a refusal."""
    try:
        day = parse_day(text)
    except ValueError:
        raise RequestRefused(ErrorCode.BAD_DATE, f"{text!r} is not a YYYY-MM-DD date") from None
    # A day whose midnight is no ``Instant`` would make a reply that its requester refuses.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise RequestRefused(
            ErrorCode.BAD_DATE, f"a date is from {FIRST_DAY} to {LAST_DAY}, not {text}"
        )
    return day


def check_config(config: GuildConfig) -> None:
    """Refuse a configuration the scheduler could not use."""
    if config.guild_id <= 0:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a configuration needs its guild")
    check_window(
        PostWindow(config.timezone, config.window_start, config.window_hours, config.hour_emoji)
    )
    if not _POST_TIME.fullmatch(config.post_time):
        raise RequestRefused(
            ErrorCode.BAD_POST_TIME, f"{config.post_time!r} is not a time like 18:30"
        )
    if config.quorum_size and not MIN_QUORUM <= config.quorum_size <= MAX_QUORUM:
        raise RequestRefused(
            ErrorCode.BAD_QUORUM,
            f"a quorum is {MIN_QUORUM} to {MAX_QUORUM} members (0: off), not {config.quorum_size}",
        )


def check_window(window: PostWindow) -> None:
    """Refuse a play window (zone, hours, emoji) the scheduler could not use."""
    check_timezone(window.timezone)
    check_hour(window.window_start)
    if not 1 <= window.window_hours <= MAX_WINDOW_HOURS:
        raise RequestRefused(
            ErrorCode.BAD_WINDOW,
            f"the play window is 1 to {MAX_WINDOW_HOURS} hours (one reaction per hour),"
            f" not {window.window_hours}",
        )
    emoji = window.hour_emoji
    if emoji and (len(emoji) != window.window_hours or len(set(emoji)) != len(emoji)):
        raise RequestRefused(
            ErrorCode.BAD_EMOJI,
            f"give {window.window_hours} different emoji, one per hour of the window",
        )


def check_schedule(schedule: MemberSchedule) -> None:
    """Refuse weekdays outside 0-6, hours outside 0-23 and a zone tzdata does not know."""
    if schedule.zone:
        check_timezone(schedule.zone)
    for slot in schedule.slots:
        if not 0 <= slot.weekday <= 6:
            raise RequestRefused(
                ErrorCode.BAD_WEEKDAY, f"a weekday is 0 (Monday) to 6, not {slot.weekday}"
            )
        check_hour(slot.hour)


def check_absence(absence: Absence) -> None:
    """Refuse an absence that ends before it starts, with a bad day, zone or member, or a
    note longer than ``MAX_AWAY_NOTE``."""
    if absence.user_id <= 0:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "an absence needs its member")
    first, last = check_day(absence.first), check_day(absence.last)
    if last < first:
        raise RequestRefused(
            ErrorCode.BAD_ABSENCE, f"an absence ends ({last}) on or after it starts ({first})"
        )
    check_timezone(absence.zone)
    if len(absence.note) > MAX_AWAY_NOTE:
        raise RequestRefused(ErrorCode.BAD_ABSENCE, f"a note is at most {MAX_AWAY_NOTE} characters")


def check_reminder(choice: ReminderChoice, user_id: int) -> None:
    """Refuse reminders outside 5-120 minutes, or a choice for another member."""
    if choice.user_id != user_id:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a reminder choice is the member's own")
    if not MIN_REMINDER <= choice.minutes <= MAX_REMINDER:
        raise RequestRefused(
            ErrorCode.BAD_MINUTES,
            f"a reminder comes {MIN_REMINDER} to {MAX_REMINDER} minutes before the hour,"
            f" not {choice.minutes}",
        )


def check_nudge(choice: NudgeChoice, user_id: int) -> None:
    """Refuse quiet hours outside 0-23, or a choice for another member."""
    if choice.user_id != user_id:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a nudge choice is the member's own")
    check_hour(choice.quiet_start)
    check_hour(choice.quiet_end)


def check_regulars(request: GetRegulars) -> None:
    """Refuse a look-back that is not a few weeks, or asks for more weeks than it looks at."""
    if not 1 <= request.weeks <= MAX_REGULAR_WEEKS:
        raise RequestRefused(
            ErrorCode.BAD_PERIOD, f"regulars look back 1 to {MAX_REGULAR_WEEKS} weeks"
        )
    if not 1 <= request.min_weeks <= request.weeks or not 0 <= request.partners <= MAX_PARTNERS:
        raise RequestRefused(
            ErrorCode.BAD_REQUEST,
            f"min_weeks is 1 to weeks, partners 0 to {MAX_PARTNERS}",
        )


def check_delivery(delivery: Delivery) -> None:
    """Refuse a delivery with a bad date or hour."""
    check_day(delivery.date)
    if delivery.hour != -1:
        check_hour(delivery.hour)


def _stamped(delivery: Delivery, clock: Callable[[], float]) -> Delivery:
    return delivery if delivery.at else msgspec.structs.replace(delivery, at=clock())


def check_mark(mark: MarkFacts) -> None:
    """Refuse a mark with a bad hour or source."""
    check_hour(mark.hour)
    if mark.source not in MARK_SOURCES:
        raise RequestRefused(ErrorCode.BAD_SOURCE, f"a mark comes from {sorted(MARK_SOURCES)}")


def check_backup_path(path: str, live: Path) -> Path:
    """An absolute path to a new file in an existing folder, other than the database."""
    target = Path(path)
    if not target.is_absolute():
        raise RequestRefused(ErrorCode.BAD_PATH, f"{path!r}: give an absolute path")
    if not target.parent.is_dir():
        raise RequestRefused(ErrorCode.BAD_PATH, f"{target.parent} is not a folder")
    if target.exists():
        raise RequestRefused(ErrorCode.BAD_PATH, f"{target} already exists; choose a new file")
    if target.resolve() == live.resolve():
        raise RequestRefused(ErrorCode.BAD_PATH, "that is the live database itself")
    return target

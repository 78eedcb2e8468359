"""A community day's daily message and its marks, kept by ``days``."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import assert_never

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    MAX_MARKS_PER_BATCH,
    DayStateReply,
    GetDayState,
    MarkFacts,
    MarksRecorded,
    RecordDailyPost,
    RecordMark,
    RecordMarks,
)
from services.runtime.playtime import community_date
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry import days, store
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_day, check_mark, check_window

DayRequest = GetDayState | RecordDailyPost | RecordMark | RecordMarks

type Marks = list[tuple[int, date, MarkFacts]]


async def answer(context: Context, request: DayRequest) -> DayStateReply | MarksRecorded:
    """Read a day (today in the guild's zone when no date is given), record its post, a mark
    or a batch of marks."""
    db = context.db
    match request:
        case GetDayState(guild_id=guild_id, date=text, at=at):
            if text:
                day = check_day(text)
            else:
                zone = zone_or_utc(await db.call(store.guild_timezone, guild_id))
                day = community_date(at or context.clock.now(), zone)
            return _day_reply(guild_id, day, await db.call(days.get_day, guild_id, day))
        case RecordDailyPost():
            return await _record_post(context, request)
        case RecordMark(guild_id=guild_id, date=text, mark=mark):
            day = check_day(text)
            check_mark(mark)
            state = await db.call(_record_mark, context, guild_id, day, mark)
            return _day_reply(guild_id, day, state)
        case RecordMarks(marks=marks):
            if len(marks) > MAX_MARKS_PER_BATCH:
                raise RequestRefused(
                    ErrorCode.BAD_REQUEST,
                    f"a batch holds at most {MAX_MARKS_PER_BATCH} marks, not {len(marks)}",
                )
            checked = [(m.guild_id, check_day(m.date), m.mark) for m in marks]
            for _, _, mark in checked:
                check_mark(mark)
            return await db.call(_record_marks, context, checked)
        case _:
            assert_never(request)


async def _record_post(context: Context, request: RecordDailyPost) -> DayStateReply:
    day = check_day(request.date)
    if request.message_id <= 0 or request.channel_id <= 0:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a daily post needs its channel and message")
    if request.window is not None:
        check_window(request.window)
    state = await context.db.call(
        days.record_post,
        request.guild_id,
        day,
        request.channel_id,
        request.message_id,
        request.posted_at or context.clock.now(),
        request.window,
    )
    return _day_reply(request.guild_id, day, state)


def _record_mark(
    connection: sqlite3.Connection, context: Context, guild_id: int, day: date, mark: MarkFacts
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
    if mark.source == "voice" and context.recorder.is_opted_out(mark.user_id):
        raise RequestRefused(
            ErrorCode.OPTED_OUT, f"user {mark.user_id} opted out of telemetry: no voice marks"
        )
    return days.record_mark(connection, guild_id, day, mark)


def _record_marks(connection: sqlite3.Connection, context: Context, marks: Marks) -> MarksRecorded:
    """RecordMarks: each mark as ``_record_mark`` stores it, all in one transaction.

    A voice mark of a member who opted out is refused alone (its position is in the
    answer), not the batch: the other marks are other members' answers. The answer holds
    the days whose marks changed, so that the scheduler edits just those messages.
    """
    refused = [
        index
        for index, (_, _, mark) in enumerate(marks)
        if mark.source == "voice" and context.recorder.is_opted_out(mark.user_id)
    ]
    skipped = set(refused)
    kept = [entry for index, entry in enumerate(marks) if index not in skipped]
    changed = days.record_marks(connection, kept)
    return MarksRecorded(
        days=[
            _day_reply(guild_id, day, days.get_day(connection, guild_id, day))
            for guild_id, day in sorted(changed)
        ],
        refused=refused,
    )


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

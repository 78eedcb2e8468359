"""Privacy: opting out stops voice recording and voice marks; forgetting deletes every row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import (
    DayStateReply,
    ForgetMember,
    GetDayState,
    GetSchedules,
    GetTimezones,
    MarkFacts,
    MemberSchedule,
    PrivacyReply,
    RecordMark,
    SchedulesReply,
    SetSchedule,
    SetTelemetryOptOut,
    SetTimezone,
    TimezonesReply,
    WeeklySlot,
)
from services.telemetry.sessions import sessions_between
from tests.services.telemetry.events import GUILD, envelope, snapshot, voice
from tests.services.telemetry.serving import serving

T = 1_800_000_000.0


@pytest.mark.within(10)
async def test_opt_out_stops_recording(db_path: Path) -> None:
    """After opting out, a member's open session is closed and new voice events are not kept."""
    async with serving(db_path, now=T) as served:
        ingest = served.recorder.ingest
        await served.db.call(ingest, [envelope(voice(1, 0, 11, T - 600))], T)
        reply = await served.requests.answer(SetTelemetryOptOut(user_id=1))
        assert reply == PrivacyReply(user_id=1, opted_out=True)
        later = [
            envelope(voice(1, 11, 0, T + 10)),
            envelope(voice(1, 0, 12, T + 20)),
            envelope(voice(2, 0, 12, T + 30)),
            envelope(snapshot({1: 12, 2: 12}, T + 40), recorded=False),
        ]
        await served.db.call(ingest, later, T + 60)
        found = await served.db.call(sessions_between, GUILD, 0.0, T + 100)
    assert [(session.user_id, session.end) for session in found] == [(1, T), (2, 0.0)]


@pytest.mark.within(10)
async def test_opt_out_survives_restart(db_path: Path) -> None:
    """The choice is stored: a restarted service still does not record the member."""
    async with serving(db_path, now=T) as served:
        await served.requests.answer(SetTelemetryOptOut(user_id=1))
    async with serving(db_path, now=T) as served:
        await served.db.call(served.recorder.ingest, [envelope(voice(1, 0, 11, T))], T)
        remembered = len(await served.db.call(sessions_between, GUILD, 0.0, T + 100))
    assert remembered == 0


@pytest.mark.within(10)
async def test_forget_deletes_the_members_rows_only(db_path: Path) -> None:
    """Delete my data removes sessions, marks, schedule and timezone of that member alone."""
    async with serving(db_path, now=T) as served:
        answer = served.requests.answer
        for user in (1, 2):
            await served.db.call(
                served.recorder.ingest,
                [envelope(voice(user, 0, 11, T - 60)), envelope(voice(user, 11, 0, T))],
                T,
            )
            slots = [WeeklySlot(weekday=1, hour=20)]
            await answer(
                SetSchedule(guild_id=GUILD, schedule=MemberSchedule(user_id=user, slots=slots))
            )
            await answer(SetTimezone(user_id=user, timezone="Europe/Paris"))
            await answer(
                RecordMark(
                    guild_id=GUILD,
                    date="2027-01-15",
                    mark=MarkFacts(user_id=user, hour=20, source="reaction"),
                )
            )
        forgotten = await answer(ForgetMember(user_id=1))
        left = await answer(GetSchedules(guild_id=GUILD))
        zones = await answer(GetTimezones(user_ids=[1, 2]))
        sessions = await served.db.call(sessions_between, GUILD, 0.0, T + 100)
    assert isinstance(forgotten, PrivacyReply)
    assert isinstance(left, SchedulesReply)
    assert isinstance(zones, TimezonesReply)
    assert {session.user_id for session in sessions} == {2}
    assert forgotten.deleted_rows >= 5  # session, transitions, mark, schedule, member, user
    assert [schedule.user_id for schedule in left.schedules] == [2]
    assert zones.timezones == {2: "Europe/Paris"}
    assert len(sessions) == 1


def _mark(user: int, hour: int, source: str, date: str = "2027-01-15") -> RecordMark:
    return RecordMark(
        guild_id=GUILD, date=date, mark=MarkFacts(user_id=user, hour=hour, source=source, at=T)
    )


@pytest.mark.within(10)
async def test_opted_out_member_gets_no_voice_marks(db_path: Path) -> None:
    """After opting out, a voice mark is refused and not stored; the member's own marks are."""
    async with serving(db_path, now=T) as served:
        answer = served.requests.answer
        await answer(SetTelemetryOptOut(user_id=1))
        try:
            await answer(_mark(1, 20, "voice"))
        except RequestRefused as refused:
            refusal = refused
        else:
            raise AssertionError("a voice mark of an opted-out member was accepted")
        stored = await served.db.call(_mark_rows, 1)
        await answer(_mark(1, 20, "reaction"))
        await answer(_mark(1, 21, "schedule"))
        await answer(_mark(2, 20, "voice"))  # someone who did not opt out
        day = await answer(GetDayState(guild_id=GUILD, date="2027-01-15"))
    assert isinstance(day, DayStateReply)
    assert refusal.code == "opted_out"
    assert stored == 0
    assert [(mark.user_id, mark.source) for mark in day.marks] == [
        (1, "reaction"),
        (2, "voice"),
        (1, "schedule"),
    ]


@pytest.mark.within(10)
async def test_voice_marks_come_back_with_opting_in(db_path: Path) -> None:
    """A member who opts back in has their voice marks stored again."""
    async with serving(db_path, now=T) as served:
        answer = served.requests.answer
        await answer(SetTelemetryOptOut(user_id=1))
        await answer(SetTelemetryOptOut(user_id=1, opted_out=False))
        await answer(_mark(1, 20, "voice"))
        rows = await served.db.call(_mark_rows, 1)
    assert rows == 1


@pytest.mark.within(10)
async def test_forget_deletes_every_mark_and_schedule(db_path: Path) -> None:
    """Delete my data removes the member's marks of every day and source, and their schedule."""
    async with serving(db_path, now=T) as served:
        answer = served.requests.answer
        for user in (1, 2):
            slots = [WeeklySlot(weekday=day, hour=21) for day in range(7)]
            await answer(
                SetSchedule(guild_id=GUILD, schedule=MemberSchedule(user_id=user, slots=slots))
            )
            for date in ("2027-01-14", "2027-01-15"):
                for hour, source in ((20, "reaction"), (21, "schedule"), (22, "voice")):
                    await answer(_mark(user, hour, source, date))
        await answer(SetTelemetryOptOut(user_id=1))
        await answer(ForgetMember(user_id=1))
        counts = await served.db.call(_mark_rows, 1), await served.db.call(_mark_rows, 2)
        schedules = (
            await served.db.call(_schedule_rows, 1),
            await served.db.call(_schedule_rows, 2),
        )
    assert (*counts, *schedules) == (0, 6, 0, 7)


def _mark_rows(connection: sqlite3.Connection, user_id: int) -> int:
    """How many mark rows (one per day and source) the user has in the database."""
    (count,) = connection.execute(
        "SELECT count(*) FROM marks JOIN members ON members.id = marks.member"
        " WHERE members.user_id = ?",
        (user_id,),
    ).fetchone()
    return int(count)


def _schedule_rows(connection: sqlite3.Connection, user_id: int) -> int:
    """How many schedule rows the user has in the database."""
    (count,) = connection.execute(
        "SELECT count(*) FROM schedules WHERE user_id = ?", (user_id,)
    ).fetchone()
    return int(count)

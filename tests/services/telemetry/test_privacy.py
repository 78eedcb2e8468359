"""Privacy: opting out stops voice recording; forgetting deletes every row about the member."""

from __future__ import annotations

from pathlib import Path

from bus.protocol import (
    ForgetMember,
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
from tests.helpers import run
from tests.services.telemetry.events import GUILD, envelope, snapshot, voice
from tests.services.telemetry.serving import serving

T = 1_800_000_000.0


def test_opt_out_stops_recording(db_path: Path) -> None:
    """After opting out, a member's open session is closed and new voice events are not kept."""

    async def scenario() -> list[tuple[int, float]]:
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
        return [(session.user_id, session.end) for session in found]

    assert run(scenario(), timeout=10) == [(1, T), (2, 0.0)]


def test_opt_out_survives_restart(db_path: Path) -> None:
    """The choice is stored: a restarted service still does not record the member."""

    async def scenario() -> int:
        async with serving(db_path, now=T) as served:
            await served.requests.answer(SetTelemetryOptOut(user_id=1))
        async with serving(db_path, now=T) as served:
            await served.db.call(served.recorder.ingest, [envelope(voice(1, 0, 11, T))], T)
            return len(await served.db.call(sessions_between, GUILD, 0.0, T + 100))

    assert run(scenario(), timeout=10) == 0


def test_forget_deletes_the_members_rows_only(db_path: Path) -> None:
    """Delete my data removes sessions, marks, schedule and timezone of that member alone."""

    async def scenario() -> tuple[PrivacyReply, SchedulesReply, TimezonesReply, int]:
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
        return forgotten, left, zones, len(sessions)

    forgotten, left, zones, sessions = run(scenario(), timeout=10)
    assert forgotten.deleted_rows >= 5  # session, transitions, mark, schedule, member, user
    assert [schedule.user_id for schedule in left.schedules] == [2]
    assert zones.timezones == {2: "Europe/Paris"}
    assert sessions == 1

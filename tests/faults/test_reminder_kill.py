"""SIGKILL the scheduler, the gateway or telemetry at the moment a reminder is due, or as an
hour reaches the quorum: the member still gets exactly one reminder, before their hour, and
the hour exactly one "enough players" call and one scheduled event.

The supervised fleet and the emulator share a calendar running 30 times faster than real
time. Once the fleet is set up, the member asks for their reminder so many minutes before
the next hour (20 at least: 40 real seconds for the killed program to come back) that it
falls due a few real seconds later.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bus.clock import SETTING, Calendar, Pace, wall_time
from emulator import Emulator
from emulator.rules.clock import CalendarClock
from emulator.rules.snowflakes import DISCORD_EPOCH_MS
from emulator.rules.state import Member
from tests.faults.support import HEADER, STEP, SupervisedFleet, Town, build_town
from tests.helpers import eventually, until_answered

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(420)]

ZONE = ZoneInfo("Europe/Paris")
SPEED = 30.0
# At least this much calendar time between the due (or the click) and the hour: 80 s at SPEED
# for a killed program to come back and send before the hour, on a loaded machine.
MARGIN = timedelta(minutes=40)
WINDOW = (17, 8)  # from 17:00 for 8 hours
START = datetime(2026, 3, 10, 17, 5, tzinfo=ZONE)
# Calendar time for the command and the click before the due: 30 s at SPEED.
LEAD = timedelta(minutes=15)


async def _answer(
    emu: Emulator, town: Town, member: Member, command: str, **options: object
) -> str:
    """A command's private answer, asked again while the fleet is still starting (its
    answer is then a warning, or none)."""
    said = [""]

    async def answered() -> bool:
        outcome = await emu.driver.slash(member, town.text, command, options)  # type: ignore[arg-type]
        said[0] = outcome.message.content if outcome.message else ""
        return bool(said[0]) and not said[0].startswith("⚠️")

    await until_answered(answered, 2 * STEP, f"an answer to /{command}")
    return said[0]


def _hour(index: int) -> datetime:
    """The start of the window's hour ``index`` on the test's day."""
    return datetime.combine(START.date(), dtime(WINDOW[0] + index), ZONE)


def _deliveries(database: Path, kinds: tuple[int, ...] = (0,)) -> list[tuple[int, int, int, int]]:
    """(kind, hour, member, state) of the recorded deliveries of ``kinds`` (0 reminders,
    1 calls, 2 events)."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT kind, hour, user_id, state FROM deliveries ORDER BY kind"
        ).fetchall()
        return [row for row in rows if row[0] in kinds]
    finally:
        connection.close()


async def _daily_message(emu: Emulator, town: Town, *setup: tuple[str, dict[str, Any]]) -> int:
    """Set the fleet up (and ``setup`` more), then wait for the daily message and its hours."""
    await eventually(
        lambda: "remind" in {c.name for c in emu.world.commands.values()},
        2 * STEP,
        "the scheduler's commands",
    )
    steps: list[tuple[str, dict[str, Any]]] = [
        ("config timezone", {"zone": "Europe/Paris"}),
        ("config time", {"time": "00:00"}),
        ("config window", {"start": WINDOW[0], "hours": WINDOW[1]}),
        *setup,
        ("config channel", {"channel": town.text.id}),
    ]
    for command, options in steps:
        said = await _answer(emu, town, town.admin, command, **options)
        assert said.startswith("Saved."), (command, said)

    def daily() -> list[int]:
        return [
            m.id for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)
        ]

    await eventually(lambda: bool(daily()), STEP, "the daily message")
    message = daily()[0]
    await eventually(
        lambda: len(emu.driver.message(message, town.admin).reactions) == WINDOW[1],
        STEP,
        "the hour reactions",
    )
    return message


@pytest.mark.within(400)
@pytest.mark.parametrize("program", ["scheduler", "gateway", "telemetry"])
async def test_a_kill_when_a_reminder_is_due_sends_exactly_one(
    short_tmp: Path, program: str
) -> None:
    """Killed as the reminder falls due: one DM, before the hour, recorded as sent once."""
    calendar = Calendar([Pace(START.timestamp(), SPEED)], at=wall_time())
    clock = CalendarClock(calendar)

    async with Emulator(clock=clock) as emu:
        town = build_town(emu, players=2)
        member = town.players[0]
        fleet = SupervisedFleet(short_tmp, emu)
        fleet.env[SETTING] = calendar.setting()
        await fleet.start()
        try:
            message = await _daily_message(emu, town)
            # The next hour far enough ahead, and a reminder that falls due soon before it.
            soon = clock.now() + LEAD
            index = next(
                (
                    n
                    for n in range(WINDOW[1])
                    if _hour(n) - MARGIN >= soon and _hour(n) - soon <= timedelta(hours=2)
                ),
                None,
            )
            if index is None:
                pytest.fail(f"set up only at {clock.now()}: the fleet was slow")
            hour = _hour(index)
            minutes = int((hour - soon).total_seconds() // 60)
            due = hour - timedelta(minutes=minutes)
            said = await _answer(emu, town, member, "remind on", minutes=minutes)
            assert said.startswith("Reminders are on"), said
            await emu.driver.react(member, message, chr(0x1F1E6 + index))
            await eventually(
                lambda: "player00" in emu.driver.message(message, town.admin).content,
                STEP,
                "the click in the daily message",
            )
            assert clock.now() < due, f"clicked only at {clock.now()}: the fleet was slow"
            await clock.sleep_until(due)
            await fleet.kill(program)
            # Sent and recorded as sent: no later try sends it again.
            await eventually(
                lambda: _deliveries(fleet.database) == [(0, hour.hour, member.user_id, 1)],
                2 * STEP,
                "the reminder recorded as sent, once",
            )
            dms = emu.driver.dms(member)
            assert len(dms) == 1, [m.content for m in dms]
            assert f"<t:{int(hour.timestamp())}:t>" in dms[0].content
            sent_ms = (dms[0].id >> 22) + DISCORD_EPOCH_MS  # a snowflake holds its time
            assert sent_ms / 1000 < hour.timestamp(), "the reminder came after its hour"
        finally:
            await fleet.close()


@pytest.mark.within(400)
@pytest.mark.parametrize("program", ["scheduler", "gateway", "telemetry"])
async def test_a_kill_as_an_hour_reaches_the_quorum_calls_once(
    short_tmp: Path, program: str
) -> None:
    """Killed as the second player clicks an hour (quorum 2, events on): one call that
    mentions both, one scheduled event, each recorded as sent once."""
    calendar = Calendar([Pace(START.timestamp(), SPEED)], at=wall_time())
    clock = CalendarClock(calendar)

    async with Emulator(clock=clock) as emu:
        town = build_town(emu, players=2)
        fleet = SupervisedFleet(short_tmp, emu)
        fleet.env[SETTING] = calendar.setting()
        await fleet.start()
        try:
            message = await _daily_message(
                emu,
                town,
                ("config voice", {"channel": town.lobby.id, "counted": True}),
                ("config quorum", {"size": 2}),
                ("config events", {"enabled": True}),
            )
            index = next((n for n in range(WINDOW[1]) if _hour(n) - MARGIN >= clock.now()), None)
            if index is None:
                pytest.fail(f"set up only at {clock.now()}: the fleet was slow")
            hour, emoji = _hour(index), chr(0x1F1E6 + index)
            first, second = town.players
            await emu.driver.react(first, message, emoji)
            await eventually(
                lambda: "player00" in emu.driver.message(message, town.admin).content,
                STEP,
                "the first click in the daily message",
            )
            await emu.driver.react(second, message, emoji)
            await fleet.kill(program)
            await eventually(
                lambda: (
                    _deliveries(fleet.database, (1, 2))
                    == [
                        (1, hour.hour, 0, 1),
                        (2, hour.hour, 0, 1),
                    ]
                ),
                2 * STEP,
                "the call and the event recorded as sent, once",
            )
            calls = [
                m
                for m in emu.driver.messages(town.text, town.admin)
                if "Enough players" in m.content
            ]
            assert len(calls) == 1, [m.content for m in calls]
            assert f"<t:{int(hour.timestamp())}:t>" in calls[0].content
            assert calls[0].notified == {first.user_id, second.user_id}
            assert len(emu.driver.scheduled_events(town.guild)) == 1
            assert clock.now() < hour, "the hour started before the call was checked"
        finally:
            await fleet.close()

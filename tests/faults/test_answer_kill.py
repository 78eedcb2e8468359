"""SIGKILL a program the moment a member answers: a maybe, an absence, an "Interested" click.
After the restart the answer counts exactly once: the daily message shows it once and the
database holds one row for it.

The fleet runs under supervisord, on the real clock, in a zone where it is midday (the
community day cannot change meanwhile); the window is 12:00 to 15:00 (🇦 to 🇩). A member
acts as a person would: an answer that does not say it was saved ("try again in a
moment", "This interaction failed", a deferral) is given again, so these tests also prove
that a repeated answer is not counted twice. An "Interested" click cannot be repeated by a
member who saw nothing wrong: the bot must find it on Discord by itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from emulator import Emulator
from emulator.rules.state import Member
from services.scheduler.commands.schedule import day_id, hours_id
from services.scheduler.daily import MAYBE_BUTTON
from services.scheduler.maybe import pick_id
from tests.faults.support import (
    HEADER,
    HOURS,
    STEP,
    SupervisedFleet,
    Town,
    build_town,
    patient_discord,
)
from tests.helpers import eventually, midday_zone

pytestmark = pytest.mark.fleet

START = 12  # the window's first hour: 🇦
MAYBE_SOURCE, INTERESTED_SOURCE = 4, 5  # telemetry's stored codes (services/telemetry/days.py)
PAUSE = 0.5  # between a member's tries: a person's pace, not a synchronisation

type Answer = Callable[[], Coroutine[Any, Any, bool]]
"""A member's answer; whether they were told it was saved."""


async def _command(emu: Emulator, town: Town, member: Member, command: str, **options: Any) -> str:
    """A command's answer, asked again while the fleet is still starting."""
    deadline = time.monotonic() + 2 * STEP
    while True:
        outcome = await emu.driver.slash(member, town.text, command, options)
        content = outcome.message.content if outcome.message else ""
        if (content and not content.startswith(("⚠️", "squadtime"))) or (
            time.monotonic() > deadline
        ):
            return content
        await asyncio.sleep(PAUSE)


async def _daily_message(emu: Emulator, town: Town, *setup: tuple[str, dict[str, Any]]) -> int:
    """Set the fleet up (and ``setup`` more); the daily message, once it has its hours."""
    await eventually(
        lambda: {"config", "away"} <= {c.name for c in emu.world.commands.values()},
        2 * STEP,
        "the scheduler's commands",
    )
    steps: list[tuple[str, dict[str, Any]]] = [
        ("config timezone", {"zone": midday_zone()}),
        ("config window", {"start": START, "hours": len(HOURS)}),
        ("config time", {"time": "00:00"}),
        *setup,
        ("config channel", {"channel": town.text.id}),
    ]
    for command, options in steps:
        said = await _command(emu, town, town.admin, command, **options)
        assert said.startswith("Saved."), (command, said)

    def daily() -> list[int]:
        return [
            m.id for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)
        ]

    await eventually(lambda: bool(daily()), STEP, "the daily message")
    message = daily()[0]
    await eventually(
        lambda: len(emu.driver.message(message, town.admin).reactions) == len(HOURS),
        STEP,
        "the hour reactions",
    )
    return message


def _line(emu: Emulator, town: Town, message: int, emoji: str) -> str:
    content = emu.driver.message(message, town.admin).content
    return next((line for line in content.splitlines() if line.startswith(emoji)), "")


def _rows(database: Path, query: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows read beside the running telemetry (read-only)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute(query, args).fetchall()


def _marks(database: Path, town: Town, source: int) -> list[tuple[int, int, int]]:
    """(member, hours, cancelled) of the guild's stored marks of ``source``: one row per
    member, day and source, one bit per hour."""
    return [
        (int(user), int(hours), int(cancelled))
        for user, hours, cancelled in _rows(
            database,
            "SELECT members.user_id, marks.hours, marks.cancelled FROM marks"
            " JOIN members ON members.id = marks.member"
            " WHERE members.guild_id = ? AND marks.source = ?",
            town.guild.id,
            source,
        )
    ]


async def _killed_while(fleet: SupervisedFleet, program: str, answer: Answer) -> bool:
    """Run the member's ``answer`` and SIGKILL ``program`` as it arrives; whether the
    member was told it was saved. supervisord restarts the program."""
    before = await fleet.pid(program)
    assert before, f"{program} is not running"
    said = asyncio.create_task(answer())
    await asyncio.sleep(0)  # the answer is on its way to the gateway: the kill is next
    os.kill(before, signal.SIGKILL)
    saved: bool = await said

    async def restarted() -> bool:
        return (await fleet.pid(program)) not in (0, before)

    deadline = time.monotonic() + 2 * STEP
    while not await restarted():
        assert time.monotonic() < deadline, f"{program} was not restarted"
        await asyncio.sleep(PAUSE)
    return saved


async def _until_saved(answer: Answer, what: str) -> None:
    """Give the answer again, as a member does, until it is said to be saved."""
    deadline = time.monotonic() + 2 * STEP
    while not await answer():
        assert time.monotonic() < deadline, f"{what} was never saved"
        await asyncio.sleep(PAUSE)


@pytest.mark.parametrize("program", ["scheduler", "telemetry", "gateway"])
@pytest.mark.within(300.0)
async def test_a_kill_as_a_maybe_arrives_counts_it_once(short_tmp: Path, program: str) -> None:
    """A member picks 13:00 in the maybe menu as ``program`` is killed: afterwards the
    message shows their ❔ once and telemetry holds one maybe row, for 13:00 only."""
    async with Emulator(patient_discord()) as emu:
        town = build_town(emu, players=1)
        member = town.players[0]
        fleet = SupervisedFleet(short_tmp, emu)
        await fleet.start()
        try:
            message = await _daily_message(emu, town)

            async def maybe() -> bool:
                opened = await emu.driver.click(member, message, MAYBE_BUTTON)
                if not opened.ephemeral or not opened.message or not opened.message.components:
                    return False  # told to try again (or deferred): no menu to pick in
                day = datetime.fromtimestamp(time.time(), ZoneInfo(midday_zone())).date()
                picked = await emu.driver.select(member, opened.message.id, pick_id(day), ["13"])
                said = picked.message.content if picked.message else ""
                return said.startswith("❔ Maybe today:")

            if not await _killed_while(fleet, program, maybe):
                await _until_saved(maybe, "the maybe")
            await eventually(
                lambda: "player00 ❔" in _line(emu, town, message, HOURS[1]),
                2 * STEP,
                "the maybe in the daily message",
            )
            content = emu.driver.message(message, town.admin).content
            assert content.count("player00") == 1, content
            assert "+ 1 maybe" in _line(emu, town, message, HOURS[1])
            assert _marks(fleet.database, town, MAYBE_SOURCE) == [(member.user_id, 1 << 13, 0)]
        finally:
            await fleet.close()


@pytest.mark.parametrize("program", ["scheduler", "telemetry", "gateway"])
@pytest.mark.within(300.0)
async def test_a_kill_as_an_absence_arrives_keeps_it_once(short_tmp: Path, program: str) -> None:
    """A member whose usual hours are 13:00 and 14:00 says they are away today as
    ``program`` is killed: afterwards the message shows no 📅 for them and telemetry holds
    one absence, for today."""
    async with Emulator(patient_discord()) as emu:
        town = build_town(emu, players=1)
        member = town.players[0]
        fleet = SupervisedFleet(short_tmp, emu)
        await fleet.start()
        try:
            message = await _daily_message(emu, town)
            today = datetime.fromtimestamp(time.time(), ZoneInfo(midday_zone())).date()

            async def usual() -> bool:
                editor = (await emu.driver.slash(member, town.text, "schedule edit")).message
                if editor is None or not editor.components:
                    return False
                weekday = today.weekday()
                await emu.driver.select(member, editor.id, day_id(), [str(weekday)])
                picked = await emu.driver.select(member, editor.id, hours_id(weekday), ["13", "14"])
                return picked.message is not None and not picked.failed

            await _until_saved(usual, "the usual hours")
            await eventually(
                lambda: all("player00 📅" in _line(emu, town, message, e) for e in HOURS[1:3]),
                STEP,
                "the usual hours in the daily message",
            )

            async def away() -> bool:
                span = {"from": today.isoformat(), "until": today.isoformat()}
                outcome = await emu.driver.slash(member, town.text, "away set", span)
                said = outcome.message.content if outcome.message else ""
                return said.startswith("🏖️ You are away")

            if not await _killed_while(fleet, program, away):
                await _until_saved(away, "the absence")
            stored = _rows(
                fleet.database,
                "SELECT user_id, first_day, last_day, cancelled FROM absences WHERE guild_id = ?",
                town.guild.id,
            )
            day = (today - datetime(1970, 1, 1).date()).days
            assert stored == [(member.user_id, day, day, 0)]
            try:
                await eventually(
                    lambda: "player00" not in emu.driver.message(message, town.admin).content,
                    2 * STEP,
                    "the usual hours to stop counting",
                )
            except AssertionError as error:
                content = emu.driver.message(message, town.admin).content
                raise AssertionError(f"{error}; the message says:\n{content}") from None
            assert all("nobody yet" in _line(emu, town, message, emoji) for emoji in HOURS)
        finally:
            await fleet.close()


@pytest.mark.parametrize("program", ["scheduler", "telemetry", "gateway"])
@pytest.mark.within(300.0)
async def test_a_kill_as_an_interested_click_arrives_counts_it_once(
    short_tmp: Path, program: str
) -> None:
    """Two members make 14:00's event (quorum 2, events on); a third clicks "Interested" on
    it as ``program`` is killed, once and never again: afterwards the message shows their 🔔
    once and telemetry holds one interested mark, for 14:00."""
    async with Emulator(patient_discord()) as emu:
        town = build_town(emu, players=3)
        first, second, third = town.players
        fleet = SupervisedFleet(short_tmp, emu)
        await fleet.start()
        try:
            message = await _daily_message(
                emu,
                town,
                ("config voice", {"channel": town.lobby.id, "counted": True}),
                ("config quorum", {"size": 2}),
                ("config events", {"enabled": True}),
            )
            for member in (first, second):
                await emu.driver.react(member, message, HOURS[2])
            await eventually(
                lambda: len(emu.driver.scheduled_events(town.guild)) == 1, STEP, "the event"
            )
            [event] = emu.driver.scheduled_events(town.guild)

            async def interested() -> bool:
                await emu.driver.mark_interested(third, event)
                return True  # the member sees their click on Discord: nothing to repeat

            await _killed_while(fleet, program, interested)
            await eventually(
                lambda: "player02 🔔" in _line(emu, town, message, HOURS[2]),
                2 * STEP,
                "the interested click in the daily message",
            )
            line = _line(emu, town, message, HOURS[2])
            assert line.count("player02") == 1, line
            assert "· **3** ·" in line, line
            assert _marks(fleet.database, town, INTERESTED_SOURCE) == [(third.user_id, 1 << 14, 0)]
        finally:
            await fleet.close()

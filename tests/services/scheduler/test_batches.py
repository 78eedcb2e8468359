"""Clicks in batches: a thousand clicks at once end in the right text, each mark stored once,
whatever is killed meanwhile."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from bus.protocol import MAX_MARKS_PER_BATCH
from emulator import Emulator
from emulator.rules.options import OptionValue
from emulator.rules.state import Member
from services.runtime.service import EXIT_CONFIG
from services.runtime.settings import SettingsError
from services.scheduler.__main__ import MARK_BATCH_ENV, main, mark_batch
from tests.emulator.support import Community, small_community
from tests.helpers import eventually, midday_zone, until_answered
from tests.services.gateway.support import running_gateway
from tests.services.inprocess import STEP
from tests.services.processes import ServiceProcess
from tests.services.scheduler.support import world

HOURS = ("🇦", "🇧", "🇨", "🇩", "🇪")
MEMBERS = 200  # each clicks every hour: 1,000 clicks
HEADER = "## Who plays today?"


def _hour_lines(content: str) -> dict[str, str]:
    return {line[: len(HOURS[0])]: line for line in content.splitlines() if line[:1] in HOURS}


def _shows_everyone(content: str, names: set[str]) -> bool:
    """Every hour counts every member, and names only members who clicked, the rest being
    "+N more": 200 names five times do not fit in Discord's 2,000 characters."""
    lines = _hour_lines(content)
    if sorted(lines) != sorted(HOURS):
        return False
    for line in lines.values():
        parts = line.split(" · ", 2)
        if len(parts) < 3 or parts[1] != f"**{len(names)}**":  # "nobody yet", or not all
            return False
        shown, _, more = parts[2].partition(" +")
        entries = [entry.removesuffix(" 👍") for entry in shown.split(", ") if entry]
        hidden = int(more.removesuffix(" more")) if more else 0
        if not set(entries) <= names or len(entries) + hidden != len(names):
            return False
    return True


def _stored(db: Path) -> list[tuple[int, int, int]]:
    """(member, hours, cancelled) of every reaction row stored."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return connection.execute(
            "SELECT member, hours, cancelled FROM marks WHERE source = 0"
        ).fetchall()


def _each_once(rows: list[tuple[int, int, int]]) -> bool:
    """One row per member, holding the five hours, none taken back."""
    return (
        len(rows) == MEMBERS
        and len({member for member, _, _ in rows}) == MEMBERS
        and all(
            bin(hours).count("1") == len(HOURS) and not cancelled for _, hours, cancelled in rows
        )
    )


def _clicks(crowd: list[Member]) -> list[tuple[Member, str]]:
    """Every member clicks every hour: 1,000 clicks."""
    return [(member, emoji) for emoji in HOURS for member in crowd]


@pytest.mark.within(180.0)
async def test_a_thousand_clicks_at_once_end_with_everyone_shown_and_stored_once(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """200 members click five hours each in one burst: the message counts all 200 in each
    hour, and telemetry holds one row per member with the five hours."""
    async with world(endpoints, short_tmp, crowd=MEMBERS) as w:
        driver = w.emu.driver
        users = w.emu.world.users
        members = w.emu.world.guilds[w.town.guild.id].members.values()
        crowd = [m for m in members if users[m.user_id].username.startswith("m0")]
        assert len(crowd) == MEMBERS
        await w.configure(start=18, hours=len(HOURS))
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == len(HOURS), "the hour reactions")
        for member, emoji in _clicks(crowd):  # no pause: they reach the bot together
            await driver.react(member, posted.id, emoji)
        names = {users[member.user_id].username for member in crowd}
        await w.until(
            lambda: _shows_everyone(w.posted().content, names), "everyone in every hour", 3 * STEP
        )
        assert _each_once(_stored(short_tmp / "telemetry.db"))


@pytest.mark.fleet
@pytest.mark.parametrize("victim", ["scheduler", "telemetry"])
@pytest.mark.within(240.0)
async def test_a_sigkill_mid_batch_loses_and_doubles_nothing(
    victim: str, endpoints: Endpoints, short_tmp: Path
) -> None:
    """The scheduler or telemetry is SIGKILLed while a burst of 1,000 clicks is recorded and
    restarted: the message ends with everyone, each mark is stored once, one post."""
    async with Emulator() as emu:
        town = small_community(emu)
        crowd = [emu.driver.add_member(town.guild, f"m{n:05d}") for n in range(MEMBERS)]
        names = {emu.world.users[member.user_id].username for member in crowd}
        data = short_tmp / "data"
        with _services(short_tmp, data) as services:
            async with running_gateway(emu, endpoints, short_tmp):
                message = await _posted(emu, town)
                clicks = _clicks(crowd)
                half = len(clicks) // 2
                for member, emoji in clicks[:half]:
                    await emu.driver.react(member, message, emoji)
                # Killed once the first clicks are being stored, the rest still arriving.
                await eventually(lambda: bool(_stored(data / "telemetry.db")), STEP, "a mark")
                services[victim].kill_and_restart()
                for member, emoji in clicks[half:]:
                    await emu.driver.react(member, message, emoji)

                def content() -> str:
                    return emu.driver.message(message, town.admin).content

                await eventually(
                    lambda: _shows_everyone(content(), names), 4 * STEP, "everyone in every hour"
                )
                await eventually(
                    lambda: _each_once(_stored(data / "telemetry.db")), STEP, "each mark once"
                )
                dailies = [
                    m
                    for m in emu.driver.messages(town.text, town.admin)
                    if m.content.startswith(HEADER)
                ]
                assert len(dailies) == 1


@contextlib.contextmanager
def _services(runtime: Path, data: Path) -> Iterator[dict[str, ServiceProcess]]:
    """Telemetry and the scheduler as processes, stopped however the test ends."""
    started: dict[str, ServiceProcess] = {}
    try:
        for name in ("telemetry", "scheduler"):
            started[name] = ServiceProcess(name, runtime, data)
        yield started
    finally:
        for process in started.values():
            process.stop()


async def _posted(emu: Emulator, town: Community) -> int:
    """Set the daily message up for now (real time) and wait for it and its hours."""
    await eventually(
        lambda: "config" in {c.name for c in emu.world.commands.values()},
        2 * STEP,
        "the scheduler's commands",
    )
    steps: list[tuple[str, dict[str, OptionValue]]] = [
        ("config timezone", {"zone": midday_zone()}),
        ("config window", {"start": 12, "hours": len(HOURS)}),
        ("config time", {"time": "00:00"}),
        ("config channel", {"channel": town.text.id}),
    ]
    for command, options in steps:

        async def saved(command: str = command, options: dict[str, OptionValue] = options) -> bool:
            # Telemetry may still be starting: "busy", asked again.
            outcome = await emu.driver.slash(town.admin, town.text, command, options)
            return bool(outcome.message and outcome.message.content.startswith("Saved."))

        await until_answered(saved, STEP, f"/{command} saved")

    def daily() -> list[int]:
        return [
            m.id for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)
        ]

    await eventually(lambda: bool(daily()), STEP, "the daily message")
    message = daily()[0]
    await eventually(
        lambda: len(emu.driver.message(message, town.admin).reactions) == len(HOURS),
        2 * STEP,
        "the hour reactions",
    )
    return message


def test_the_batch_size_is_a_setting() -> None:
    """Unset: the largest batch telemetry takes; 1: each click on its own."""
    assert mark_batch({}) == MAX_MARKS_PER_BATCH
    assert mark_batch({MARK_BATCH_ENV: "1"}) == 1


@pytest.mark.parametrize("bad", ["0", "1001", "2.5", "many"])
def test_a_bad_batch_size_stops_the_scheduler_with_status_2(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch size that is not a whole number from 1 to 1,000 is refused before starting."""
    with pytest.raises(SettingsError):
        mark_batch({MARK_BATCH_ENV: bad})
    monkeypatch.setenv(MARK_BATCH_ENV, bad)
    assert main([]) == EXIT_CONFIG

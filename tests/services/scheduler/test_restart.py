"""Restart safety: one daily post per day and marks that match the reactions, whatever dies."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from bus.protocol import DayStateReply
from emulator import Emulator
from services.scheduler.daily import Days, GuildDay
from services.telemetry.service import Telemetry
from tests.emulator.support import Community, small_community
from tests.helpers import eventually, midday_zone
from tests.services.gateway.support import running_gateway
from tests.services.inprocess import STEP, running
from tests.services.processes import ServiceProcess
from tests.services.scheduler.support import World, world

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
HEADER = "## Who plays today?"


def _dailies(w: World) -> list[str]:
    return [
        m.content
        for m in w.emu.driver.messages(w.town.text, w.town.admin)
        if m.content.startswith(HEADER)
    ]


async def test_a_restart_mid_day_posts_nothing_twice_and_catches_up(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Clicks made while the scheduler was down show once it is back; no second post."""

    async with world(endpoints, short_tmp, scheduler=False) as w:
        town, driver = w.town, w.emu.driver
        async with w.scheduler_running():
            await w.configure(start=18, hours=4)
            posted = await w.daily_posted()
            await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
            await driver.react(town.alice, posted.id, B)
            await w.daily_says("Alice 👍")
        await driver.react(town.bob, posted.id, C)
        await driver.unreact(town.alice, posted.id, B)
        async with w.scheduler_running():
            shown = await w.daily_says("bob 👍")
            assert "Alice" not in shown.content
            assert len(_dailies(w)) == 1


async def test_a_post_made_but_not_recorded_is_found_after_a_crash(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between posting and recording: the next scheduler adopts the message it finds."""

    async with world(endpoints, short_tmp, scheduler=False) as w:
        crashed = asyncio.Event()

        async def crash(*_: object) -> DayStateReply:
            crashed.set()
            await asyncio.Event().wait()  # frozen here until the process is killed
            raise AssertionError("unreachable")

        async with w.scheduler_running() as first:
            days = first.days
            assert isinstance(days, Days)
            monkeypatch.setattr(days, "_record_post", crash)
            await w.say(w.town.admin, "config channel", channel=w.town.text.id)
            await asyncio.wait_for(crashed.wait(), STEP)
        assert len(_dailies(w)) == 1
        async with w.scheduler_running() as second:
            await w.until(lambda: len(w.posted().reactions) == 8, "the hour reactions")
            await w.emu.driver.react(w.town.alice, w.posted().id, A)
            await w.daily_says("Alice 👍")
            guild = second.days.guilds[w.town.guild.id] if second.days else None
            assert isinstance(guild, GuildDay)
            assert guild.message_id == w.posted().id
        assert len(_dailies(w)) == 1


async def _config(emu: Emulator, town: Community, command: str, **options: int | str) -> None:
    """The admin's ``command``, saved (deferred on a busy machine, then edited in)."""
    outcome = await emu.driver.slash(town.admin, town.text, command, options)
    assert outcome.message is not None
    shown = outcome.message
    if shown.loading:
        shown = await emu.driver.settle(outcome, timeout=STEP)
    assert shown.content.startswith("Saved."), shown


def _daily_ids(emu: Emulator, town: Community) -> list[int]:
    return [
        m.id for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)
    ]


def _three_in_each_hour(emu: Emulator, town: Community, message: int) -> bool:
    return all(
        "· **3** ·" in line
        for line in emu.driver.message(message, town.admin).content.splitlines()
        if line[:1] in (A, B, C, D)
    )


@pytest.mark.fleet
@pytest.mark.within(120.0)
async def test_sigkill_at_any_moment_leaves_one_post_with_the_right_text(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The scheduler is SIGKILLed while posting and during a burst of clicks, then restarted."""
    async with Emulator() as emu:
        town = small_community(emu)
        players = [emu.driver.add_member(town.guild, f"p{n}") for n in range(12)]
        async with (
            running(Telemetry(short_tmp / "telemetry.db"), endpoints, short_tmp),
            running_gateway(emu, endpoints, short_tmp),
        ):
            process = ServiceProcess("scheduler", short_tmp, short_tmp / "data")
            try:
                await eventually(
                    lambda: "config" in {c.name for c in emu.world.commands.values()},
                    3 * STEP,  # a cold process: imports, the bus, the commands' upload
                    "the scheduler's commands",
                )
                await _config(emu, town, "config timezone", zone=midday_zone())
                await _config(emu, town, "config window", start=12, hours=4)
                await _config(emu, town, "config time", time="00:00")
                await _config(emu, town, "config channel", channel=town.text.id)
                for delay in (0.02, 0.3):  # while posting, and while reacting
                    await asyncio.sleep(delay)
                    process.kill_and_restart()
                await eventually(
                    lambda: len(_daily_ids(emu, town)) == 1, 3 * STEP, "the daily message"
                )
                message = _daily_ids(emu, town)[0]
                await eventually(
                    lambda: len(emu.driver.message(message, town.admin).reactions) == 4,
                    3 * STEP,
                    "the four hour reactions",
                )
                for index, player in enumerate(players):
                    await emu.driver.react(player, message, (A, B, C, D)[index % 4])
                    if index == 5:
                        process.kill_and_restart()
                    await asyncio.sleep(0.05)  # pacing the clicks around the kill
                await eventually(
                    lambda: _three_in_each_hour(emu, town, message),
                    3 * STEP,
                    "three players in each hour",
                )
                assert len(_daily_ids(emu, town)) == 1
            finally:
                process.stop()

"""The voice channel's status end to end: the real gateway's nextcord client, telemetry and the
scheduler against the emulator. Tuesday 10 March in Paris, 🇨 is 20:00 and 🇩 21:00."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from emulator.rules.permissions import Permission
from emulator.simulator.seen import SeenMessage
from services.scheduler.engines.squad_status import MAX_STATUS, status_text
from tests.services.scheduler.support import World, world
from tests.services.scheduler.test_calls import C, _at
from tests.services.scheduler.test_reminders import _day

ROUTE = ("PUT", "/channels/{channel_id}/voice-status")


async def _status_on(w: World, *, granted: bool) -> SeenMessage:
    """Today's message; Lobby counted, a quorum of 2, the status switched on (refused first
    without a counted channel, then without a quorum); the bot granted what Discord asks."""
    town = w.town
    posted = await _day(w)
    refused = await w.say(town.admin, "config voice-status", enabled=True)
    assert refused.startswith("⚠️ Count a voice channel first")
    await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
    refused = await w.say(town.admin, "config voice-status", enabled=True)
    assert refused.startswith("⚠️ Set a quorum first")
    await w.say(town.admin, "config quorum", size=2)
    saved = await w.say(town.admin, "config voice-status", enabled=True)
    assert "Voice channel status naming their squad: on" in saved
    if granted:
        allowed = Permission.SET_VOICE_CHANNEL_STATUS | Permission.MANAGE_CHANNELS
        w.emu.driver.set_overwrite(town.voice, w.emu.driver.bot(town.guild), allow=allowed)
    for member in (town.alice, town.bob):
        await w.emu.driver.react(member, posted.id, C)
    await w.daily_says(f"{C} <t:{int(_at(20))}:t> · **2**")
    return posted


async def test_the_status_names_the_squad_follows_joins_and_leaves_and_is_cleared(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Nothing before 20:00; at 20:00 (two in) "20:00 · 1/2 · Alice"; Bob joins: both; Alice
    leaves: Bob alone; at 21:00 (one in) it is cleared; no request repeats a status."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        await _status_on(w, granted=True)
        await driver.join_voice(town.alice, town.voice)
        w.clock.set(_at(19) + 30)
        await w.daily_says("Alice 🎧")  # in voice at 19:00, which has no quorum: no status
        assert driver.voice_status(town.voice) is None
        w.clock.set(_at(20) + 30)
        await w.until(lambda: driver.voice_status(town.voice) == "20:00 · 1/2 · Alice", "set")
        await driver.join_voice(town.bob, town.voice)
        await w.until(lambda: driver.voice_status(town.voice) == "20:00 · 2/2 · Alice bob", "+1")
        await driver.leave_voice(town.alice)
        await w.until(lambda: driver.voice_status(town.voice) == "20:00 · 1/2 · bob", "-1")
        w.clock.set(_at(21) + 30)
        await w.until(lambda: driver.voice_status(town.voice) is None, "cleared after the hour")
        sent = [r.body for r in w.emu.requests.matching(*ROUTE)]
        assert sent == [
            {"status": "20:00 · 1/2 · Alice"},
            {"status": "20:00 · 2/2 · Alice bob"},
            {"status": "20:00 · 1/2 · bob"},
            {"status": None},
        ]


async def test_without_the_permission_one_line_to_the_admin_and_no_retries(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord refuses the status (50013): one warning naming the permissions, and no second
    request while the hour goes on and members join; granted and switched on again, it is set."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        with caplog.at_level(logging.INFO, logger="services.scheduler"):
            await _status_on(w, granted=False)
            w.clock.set(_at(20) + 30)
            await w.until(lambda: len(w.emu.requests.matching(*ROUTE)) == 1, "the refused PUT")
            assert w.emu.requests.matching(*ROUTE)[0].status == 403
            for member in (town.alice, town.bob, town.admin):
                await driver.join_voice(member, town.voice)
            await w.daily_says("admin 🎧")
            w.clock.set(_at(20) + 600)
            await w.daily_says("Alice 🎧", "bob 🎧")
            told = [
                r.getMessage()
                for r in caplog.records
                if r.name == "services.scheduler.engines.squad_status"
                and r.levelno >= logging.WARNING
            ]
        assert len(told) == 1
        assert "Set Voice Channel Status and Manage Channels" in told[0]
        assert len(w.emu.requests.matching(*ROUTE)) == 1
        assert driver.voice_status(town.voice) is None
        allowed = Permission.SET_VOICE_CHANNEL_STATUS | Permission.MANAGE_CHANNELS
        driver.set_overwrite(town.voice, driver.bot(town.guild), allow=allowed)
        await w.say(town.admin, "config voice-status", enabled=True)  # granted: on again
        squad = "20:00 · 3/3 · admin Alice bob"
        await w.until(lambda: driver.voice_status(town.voice) == squad, "the status at last")


def test_a_long_squad_is_cut_to_discords_length() -> None:
    """Names past 500 characters end in "…"; markdown in a name is shown as typed."""
    names = [f"player{n:03d}" for n in range(60)]
    text = status_text(21, names, 60)
    assert len(text) == MAX_STATUS
    assert text.startswith("21:00 · 60/60 · player000 player001")
    assert text.endswith("…")
    assert status_text(9, [], 3) == "09:00 · 0/3"

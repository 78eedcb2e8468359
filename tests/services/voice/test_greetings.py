"""Voice greetings end to end: the emulator hears the bot say who is coming, then it leaves."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from bus.protocol import Absence, AbsencesReply, Ping, Pong, SetAbsence
from emulator.rules.permissions import Permission
from emulator.rules.state import Member, Role
from services.voice.speech import Voice as SpeakingVoice
from services.voice.speech import synthesise
from tests.services.voice.support import Town, town

PCM_BYTES_PER_SECOND = 48_000 * 4


async def _greeted_and_gone(w: Town, count: int = 1) -> None:
    await w.decided("greeted", count)
    await w.until(lambda: not w.bot_in_voice(), "the bot to leave voice")


async def test_first_member_hears_who_is_expected(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Alice alone in the Lobby, Bob and Carol due at 18:00: the bot says so, then leaves."""
    with caplog.at_level(logging.INFO, logger="services.voice.greeter"):
        async with town(endpoints, short_tmp) as w:
            await w.schedule(w.town.bob, 18, 19)
            await w.schedule(w.carol, 18)
            await w.emu.driver.join_voice(w.town.alice, w.town.voice)
            await _greeted_and_gone(w)
            heard = w.heard()
            assert heard.voiced_seconds >= 1.5
            assert heard.loudness_dbfs > -40.0
            assert heard.heard_through_e2ee
            assert heard.first_voiced_e2ee is True
            assert heard.plain_voiced_packets == 0
            assert w.emu.voice.connections == 0
    said = [r.getMessage() for r in caplog.records if r.name == "services.voice.greeter"]
    assert [s.partition(": ")[2] for s in said] == ["Hi Alice! bob and Carol are expected at 6 pm."]


async def test_a_member_away_today_is_not_named_as_expected(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Bob and Carol usually play at 18:00, but Bob is away today (he said so on Los
    Angeles' calendar, where it is still Tuesday): only Carol is named."""
    with caplog.at_level(logging.INFO, logger="services.voice.greeter"):
        async with town(endpoints, short_tmp) as w:
            await w.schedule(w.town.bob, 18, 19)
            await w.schedule(w.carol, 18)
            away = Absence(
                user_id=w.town.bob.user_id,
                first="2026-03-10",
                last="2026-03-10",
                zone="America/Los_Angeles",
                at=w.clock.now(),
            )
            await w.peer.request(
                "telemetry", SetAbsence(guild_id=w.guild_id, absence=away), expect=AbsencesReply
            )
            await w.emu.driver.join_voice(w.town.alice, w.town.voice)
            await _greeted_and_gone(w)
    said = [r.getMessage() for r in caplog.records if r.name == "services.voice.greeter"]
    assert [s.partition(": ")[2] for s in said] == ["Hi Alice! Carol is expected at 6 pm."]


async def test_nobody_expected_means_no_join(endpoints: Endpoints, short_tmp: Path) -> None:
    """With nobody scheduled or signed up, the bot stays out of voice and says nothing."""
    async with town(endpoints, short_tmp) as w:
        await w.schedule(w.town.bob, 21, weekday=4)  # Friday only
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await w.decided("nobody_expected")
        assert w.emu.voice.identify_count == 0
        assert w.heard().packets == 0
        assert not w.bot_in_voice()


async def test_greetings_off_or_uncounted_channel_means_no_join(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Greetings switched off, or a channel that does not count: no greeting."""
    async with town(endpoints, short_tmp) as w:
        await w.schedule(w.town.bob, 18)
        await w.configure(voice_channel_ids=[w.lounge.id])
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await w.decided("nobody_expected")
        await w.configure(greetings=False)
        await w.emu.driver.join_voice(w.carol, w.lounge)
        await w.decided("nobody_expected", 2)
        assert w.emu.voice.identify_count == 0


async def test_only_the_first_person_in_a_channel_is_greeted(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Someone joining a channel where a member already is gets no greeting."""
    async with town(endpoints, short_tmp) as w:
        await w.schedule(w.town.bob, 18)
        await w.schedule(w.carol, 18)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await _greeted_and_gone(w)
        await w.emu.driver.join_voice(w.town.bob, w.town.voice)
        await w.emu.driver.join_voice(w.carol, w.lounge)  # a later join that is decided
        await w.decided("greeted", 2)
        assert w.emu.voice.identify_count == 2
        assert w.heard(w.lounge).voiced_seconds >= 1.0


async def test_cool_down_is_respected(endpoints: Endpoints, short_tmp: Path) -> None:
    """Alice rejoining within the cool-down is not greeted again; after it, she is."""
    async with town(endpoints, short_tmp) as w:
        await w.schedule(w.town.bob, 18, 19)
        alice, lobby = w.town.alice, w.town.voice
        await w.configure(voice_channel_ids=[lobby.id, w.lounge.id])
        await w.emu.driver.join_voice(alice, lobby)
        await _greeted_and_gone(w)
        first = w.heard().voiced_seconds
        await w.emu.driver.leave_voice(alice)
        await w.emu.driver.join_voice(alice, lobby)
        await w.decided("cooldown")
        await w.emu.driver.move_voice(alice, w.lounge)  # another channel: the same person
        await w.decided("cooldown", 2)
        assert w.emu.voice.identify_count == 1
        assert w.heard().voiced_seconds == first
        await w.emu.driver.leave_voice(alice)
        w.clock.t += 601.0  # 17:40: Bob is still due at 18:00
        await w.emu.driver.join_voice(alice, lobby)
        await _greeted_and_gone(w, 2)
        assert w.emu.voice.identify_count == 2
        assert w.heard().voiced_seconds >= first + 1.5


STOP_ALLOWANCE = 2.0
"""Seconds of audio a member may still be sent after leaving, on a loaded machine."""


async def test_member_leaving_mid_sentence_stops_the_bot(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """When Alice leaves while the bot is talking, it stops at once and leaves too."""
    async with town(endpoints, short_tmp, speed=90) as w:
        await w.schedule(w.town.bob, 18)
        await w.schedule(w.carol, 18)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await w.until(lambda: w.heard().voiced_seconds >= 0.5, "the bot to start talking")
        await w.emu.driver.leave_voice(w.town.alice)
        at_leave = w.heard().seconds
        await w.decided("member_left")
        await w.until(lambda: not w.bot_in_voice(), "the bot to leave voice")
        said = await synthesise(
            "Hi Alice! Bob and Carol are expected at 6 pm.", SpeakingVoice(speed=90)
        )
        whole = len(said) / PCM_BYTES_PER_SECOND
        # Audio flows in real time: what came after the leave is the time the bot took to stop
        # (the leave's way through the gateway and the bus), not the rest of the sentence.
        assert whole > 0.5 + 2 * STOP_ALLOWANCE, "the sentence is long enough to tell"
        assert w.heard().seconds <= at_leave + STOP_ALLOWANCE


async def test_speech_failure_is_logged_and_the_service_keeps_serving(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing espeak-ng is logged, nobody joins voice, and later joins are still handled."""
    async with town(endpoints, short_tmp, espeak=str(short_tmp / "no-espeak-ng")) as w:
        await w.schedule(w.town.bob, 18)
        with caplog.at_level(logging.WARNING, logger="services.voice"):
            await w.emu.driver.join_voice(w.town.alice, w.town.voice)
            await w.decided("speech_failed")
            await w.emu.driver.join_voice(w.carol, w.lounge)
            await w.decided("speech_failed", 2)
        failures = [r for r in caplog.records if "cannot say a greeting" in r.getMessage()]
        assert len(failures) == 2
        assert w.emu.voice.identify_count == 0
        pong = await w.peer.request("voice", Ping(), expect=Pong)
        assert pong.service == "voice"


@pytest.mark.parametrize("missing", ["connect", "speak"])
async def test_missing_connect_or_speak_is_logged_once_and_other_channels_still_work(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture, missing: str
) -> None:
    """Denied Connect (for the bot) or Speak (for its role) in the Lobby: no join there, one
    warning for two joins, the Lounge still greeted; granted again, the Lobby is greeted."""
    with caplog.at_level(logging.WARNING, logger="services.voice.greeter"):
        async with town(endpoints, short_tmp) as w:
            driver, guild = w.emu.driver, w.town.guild
            bot = driver.bot(guild)
            if missing == "connect":
                target: Member | Role = bot
                driver.set_overwrite(w.town.voice, bot, deny=Permission.CONNECT)
            else:
                target = guild.roles[bot.roles[0]]
                driver.set_overwrite(w.town.voice, target, deny=Permission.SPEAK)
            await w.schedule(w.town.bob, 18)
            await w.schedule(w.carol, 18)
            for count, member in enumerate([w.town.alice, w.town.bob], start=1):
                await driver.join_voice(member, w.town.voice)
                await w.decided("no_permission", count)
                await driver.leave_voice(member)
            assert w.emu.voice.identify_count == 0
            assert w.heard().packets == 0
            await driver.join_voice(w.carol, w.lounge)
            await _greeted_and_gone(w)
            assert w.heard(w.lounge).voiced_seconds >= 1.5
            await driver.leave_voice(w.carol)
            driver.remove_overwrite(w.town.voice, target)
            w.clock.t += 601  # past Alice's ten-minute cool-down
            await driver.join_voice(w.town.alice, w.town.voice)
            await _greeted_and_gone(w, 2)
            assert w.heard().voiced_seconds >= 1.5
    refused = [r for r in caplog.records if "missing Connect or Speak" in r.getMessage()]
    assert len(refused) == 1
    assert "Lobby" in refused[0].getMessage()

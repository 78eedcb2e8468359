"""The voice greeting on a Discord that requires DAVE: heard only through end-to-end
encryption, whatever the group does while the bot speaks, and a refusal is said once."""

from __future__ import annotations

import logging
from pathlib import Path

import nextcord
import pytest

from bus.endpoints import Endpoints
from emulator.voice.voice_gateway import Close
from services.voice.speech import Voice as SpeakingVoice
from services.voice.speech import synthesise
from tests.services.voice.support import Town, town

PCM_BYTES_PER_SECOND = 48_000 * 4
SENTENCE = "Hi Alice! bob and Carol are expected at 6 pm."


async def _said_seconds(speed: int) -> float:
    return len(await synthesise(SENTENCE, SpeakingVoice(speed=speed))) / PCM_BYTES_PER_SECOND


async def _expect_bob_and_carol(w: Town) -> None:
    await w.schedule(w.town.bob, 18, 19)
    await w.schedule(w.carol, 18)


async def _greeted_and_gone(w: Town) -> None:
    await w.decided("greeted")
    await w.until(lambda: not w.bot_in_voice(), "the bot to leave voice")


@pytest.mark.parametrize("first", ["client", "members"])
async def test_the_greeting_is_heard_through_dave_on_both_ways_in(
    endpoints: Endpoints, short_tmp: Path, first: str
) -> None:
    """The bot commits Alice's Add, or Alice commits the bot's and welcomes it: either way she
    hears the whole greeting decrypted, and no voiced frame reaches her in plain."""

    async with town(endpoints, short_tmp) as w:
        w.emu.voice.first_committer = "client" if first == "client" else "members"
        await _expect_bob_and_carol(w)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await _greeted_and_gone(w)
        [commit] = w.emu.voice.commits
        bot, alice = w.emu.bot_id, w.town.alice.user_id
        assert commit.committer == (bot if first == "client" else alice)
        assert commit.added == {alice if first == "client" else bot}
        heard = w.heard()
        assert heard.heard_through_e2ee
        assert heard.seconds >= await _said_seconds(160) - 0.1
        assert heard.plain_voiced_packets == heard.undecryptable == 0


async def test_the_first_voiced_frame_alice_receives_is_already_encrypted(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice's client takes 0.6 s to be ready, as on Discord: the bot waits for the keys
    instead of starting the sentence in plain."""

    async with town(endpoints, short_tmp) as w:
        w.emu.voice.member_latency = 0.6
        await _expect_bob_and_carol(w)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await _greeted_and_gone(w)
        heard = w.heard()
        assert heard.first_voiced_e2ee is True
        assert heard.plain_packets == heard.plain_voiced_packets == 0
        assert heard.seconds >= await _said_seconds(160) - 0.1


async def test_a_member_joining_mid_greeting_does_not_cut_the_sentence(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob joining while the bot speaks moves the group to a new epoch; Alice hears every
    frame of the sentence, across the transition."""

    async with town(endpoints, short_tmp, speed=90) as w:
        w.emu.voice.member_latency = 0.2
        await _expect_bob_and_carol(w)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await w.until(lambda: w.heard().voiced_seconds >= 0.5, "the bot to start talking")
        await w.emu.driver.join_voice(w.town.bob, w.town.voice)
        await w.until(lambda: len(w.emu.voice.commits) == 2, "Bob's Add to be committed")
        await _greeted_and_gone(w)
        first, bob_in = w.emu.voice.commits[:2]
        assert (first.epoch, bob_in.epoch, bob_in.added) == (1, 2, frozenset({w.town.bob.user_id}))
        heard = w.heard()
        assert heard.heard_through_e2ee
        assert heard.seconds >= await _said_seconds(90) - 0.1
        assert heard.plain_voiced_packets == heard.undecryptable == 0


async def test_an_unprocessable_welcome_is_recovered_and_the_greeting_heard(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The bot's welcome arrives corrupted: it reports it (op 31), is removed and added
    again, and Alice still hears the whole greeting through E2EE."""

    async with town(endpoints, short_tmp) as w:
        w.emu.voice.first_committer = "members"
        w.emu.voice.spoil_next_welcome(w.guild_id, w.town.voice.id, w.emu.bot_id)
        await _expect_bob_and_carol(w)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await _greeted_and_gone(w)
        welcomed, removed, again = w.emu.voice.commits
        bot = w.emu.bot_id
        assert welcomed.added == removed.removed == again.added == frozenset({bot})
        heard = w.heard()
        assert heard.heard_through_e2ee
        assert heard.seconds >= await _said_seconds(160) - 0.1
        assert heard.plain_voiced_packets == 0


IN_FLIGHT_AT_RESET = 25
"""Frames (20 ms each: half a second) that may still leave under the old group's keys."""


async def test_the_greeting_survives_a_new_group_after_a_sole_member_reset(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice's connection drops mid-sentence and comes back: the bot, left alone, is told to
    start a new group (op 24), does, and Alice hears the rest through the new group's keys."""

    async with town(endpoints, short_tmp, speed=90) as w:
        w.emu.voice.member_latency = 0.3  # the new group takes a round trip to form
        await _expect_bob_and_carol(w)
        await w.emu.driver.join_voice(w.town.alice, w.town.voice)
        await w.until(lambda: w.heard().voiced_seconds >= 0.5, "the bot to start talking")
        before = w.heard().seconds
        await w.emu.voice.reconnect_member(w.guild_id, w.town.alice.user_id)
        await _greeted_and_gone(w)
        after_reset = w.emu.voice.commits[1]
        assert after_reset.epoch == 1  # a new group, not the next epoch of the old one
        heard = w.heard()
        # At most what was in flight as the connection dropped: a frame or two on an idle
        # machine, more when a loaded one delays the bot's hearing of the reset.
        assert heard.undecryptable <= IN_FLIGHT_AT_RESET
        assert heard.seconds - before >= await _said_seconds(90) - before - 0.5
        assert heard.plain_voiced_after_transition == 0  # withheld while it had no keys
        assert heard.plain_packets == 0


def _log_lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


async def test_without_dave_discord_closes_4017_and_it_is_said_once_without_retrying(
    endpoints: Endpoints,
    short_tmp: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An install whose nextcord has no dave.py: the first greeting is closed with 4017,
    logged once; the next join is not even tried, and the bot is out of voice."""

    monkeypatch.setattr(nextcord.voice_client, "has_dave", False)
    with caplog.at_level(logging.WARNING, logger="services.voice"):
        async with town(endpoints, short_tmp) as w:
            await _expect_bob_and_carol(w)
            await w.emu.driver.join_voice(w.town.alice, w.town.voice)
            await w.decided("dave_required")
            await w.until(lambda: not w.bot_in_voice(), "the bot to leave voice")
            await w.emu.driver.join_voice(w.carol, w.lounge)
            await w.decided("dave_required", 2)
            assert w.emu.voice.identify_count == 1
            assert w.emu.voice.closed_with == [Close.DAVE_REQUIRED]
            assert not w.bot_in_voice()
    assert len(_log_lines(caplog, "close code 4017")) == 1
    assert len(_log_lines(caplog, "dave.py is not installed")) == 1


async def test_rate_limited_or_terminated_calls_are_logged_and_not_retried(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """4021 at IDENTIFY and 4022 mid-greeting: one line each, no second connection."""

    with caplog.at_level(logging.WARNING, logger="services.voice"):
        async with town(endpoints, short_tmp, speed=90) as w:
            await _expect_bob_and_carol(w)
            w.emu.voice.refuse_identify_with = Close.RATE_LIMITED
            await w.emu.driver.join_voice(w.town.alice, w.town.voice)
            await w.decided("rate_limited")
            await w.until(lambda: not w.bot_in_voice(), "the bot to leave voice")
            assert w.emu.voice.identify_count == 1
            await w.emu.driver.join_voice(w.carol, w.lounge)
            await w.until(lambda: w.heard(w.lounge).voiced_seconds >= 0.3, "the bot to talk")
            await w.emu.voice.disconnect(w.guild_id, w.emu.bot_id, Close.CALL_TERMINATED)
            await w.decided("call_terminated")
            await w.until(lambda: not w.bot_in_voice(), "the bot to leave voice")
            assert w.emu.voice.identify_count == 2
            assert w.emu.voice.closed_with == [Close.RATE_LIMITED, Close.CALL_TERMINATED]
    assert len(_log_lines(caplog, "close code 4021")) == 1
    assert len(_log_lines(caplog, "close code 4022")) == 1

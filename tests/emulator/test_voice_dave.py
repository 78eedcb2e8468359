"""The emulated voice gateway's DAVE handshake against nextcord's own client (dave.py)."""

from __future__ import annotations

import nextcord
import pytest

from emulator import Emulator
from emulator.voice.dave.participant import Listener
from emulator.voice.voice_gateway import Close, VoiceOp
from tests.emulator.support import STEP, running, small_community
from tests.emulator.voice_support import (
    can_encrypt,
    join,
    join_encrypted,
    make_voice_client,
    play_to_end,
    tone,
)
from tests.helpers import eventually


@pytest.mark.parametrize("first", ["client", "members"])
async def test_both_ways_into_a_call_end_in_one_group_that_hears_the_bot(first: str) -> None:
    """Alice alone: the bot commits her Add ("client"), or she commits the bot's and it is
    welcomed ("members"); either way she decrypts the tone and no plain voice is heard."""

    async with Emulator() as emu:
        emu.voice.first_committer = "client" if first == "client" else "members"
        town = small_community(emu)
        alice = town.alice.user_id
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            await play_to_end(voice, tone(1.0), timeout=STEP)
            await voice.disconnect()
        [commit] = emu.voice.commits
        if first == "client":
            assert (commit.committer, commit.added) == (emu.bot_id, frozenset({alice}))
        else:
            assert (commit.committer, commit.added) == (alice, frozenset({emu.bot_id}))
        assert commit.epoch == 1
        heard = emu.voice.heard(town.guild.id, town.voice.id)
        assert heard.heard_through_e2ee
        assert heard.voiced_seconds >= 0.8
        assert heard.first_voiced_e2ee is True
        assert heard.plain_voiced_packets == heard.undecryptable == 0


async def test_the_bot_is_welcomed_into_the_group_two_members_already_hold() -> None:
    """Alice and Bob in the Lobby form a group first; the bot joins it as the third member."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        await emu.driver.join_voice(town.bob, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            call = emu.voice.call(town.guild.id, town.voice.id)
            assert call is not None
            assert {s.user_id for s in call.members} == {
                town.alice.user_id,
                town.bob.user_id,
                emu.bot_id,
            }
            await play_to_end(voice, tone(1.0), timeout=STEP)
            await voice.disconnect()
        first, second = emu.voice.commits
        assert first.added | {first.committer} == {town.alice.user_id, town.bob.user_id}
        assert first.epoch == 1
        assert second.added == {emu.bot_id}
        assert second.committer != emu.bot_id
        assert emu.voice.heard(town.guild.id, town.voice.id).heard_through_e2ee


async def test_members_joining_and_leaving_mid_call_move_the_group_to_new_epochs() -> None:
    """Bob joining while the bot plays is added in a new epoch, his leaving removes him in
    another; Alice hears the whole tone through every transition."""

    async with Emulator() as emu:
        town = small_community(emu)
        guild, lobby = town.guild.id, town.voice.id
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, lobby)
            voice.play(tone(3.0))
            await emu.driver.wait_until(
                lambda: emu.voice.heard(guild, lobby).voiced_seconds >= 0.5, timeout=STEP
            )
            await emu.driver.join_voice(town.bob, town.voice)
            await emu.driver.wait_until(lambda: len(emu.voice.commits) == 2, timeout=STEP)
            await emu.driver.leave_voice(town.bob)
            await emu.driver.wait_until(lambda: len(emu.voice.commits) == 3, timeout=STEP)
            await emu.driver.wait_until(lambda: not voice.is_playing(), timeout=STEP)
            ops = emu.voice.ops_sent(guild, emu.bot_id)
            await voice.disconnect()
        _, added, removed = emu.voice.commits
        assert (added.epoch, added.added) == (2, frozenset({town.bob.user_id}))
        assert (removed.epoch, removed.removed) == (3, frozenset({town.bob.user_id}))
        assert ops.count(VoiceOp.CLIENTS_CONNECT) >= 2
        assert VoiceOp.CLIENT_DISCONNECT in ops
        assert ops.count(VoiceOp.DAVE_EXECUTE_TRANSITION) == 3
        heard = emu.voice.heard(guild, lobby)
        assert heard.voiced_seconds >= 2.8
        assert heard.undecryptable == heard.plain_voiced_packets == 0


async def test_an_unprocessable_welcome_is_recovered_by_removing_and_adding_again() -> None:
    """A corrupted welcome makes nextcord send op 31; the bot is removed, re-added from its
    new key package, and Alice hears it end to end encrypted."""

    async with Emulator() as emu:
        emu.voice.first_committer = "members"
        town = small_community(emu)
        guild, lobby = town.guild.id, town.voice.id
        await emu.driver.join_voice(town.alice, town.voice)
        emu.voice.spoil_next_welcome(guild, lobby, emu.bot_id)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, lobby)
            await play_to_end(voice, tone(1.0), timeout=STEP)
            await voice.disconnect()
        welcomed, removed, again = emu.voice.commits
        assert welcomed.added == {emu.bot_id}
        assert removed.removed == {emu.bot_id}
        assert again.added == {emu.bot_id}
        assert again.epoch == 3
        assert emu.voice.heard(guild, lobby).heard_through_e2ee


async def test_the_sole_member_left_is_told_to_start_a_new_group() -> None:
    """Alice leaving the bot alone in an established group: op 24 (epoch 1) then op 21
    (transition 0), and the call is unestablished again."""

    async with Emulator() as emu:
        town = small_community(emu)
        guild, lobby = town.guild.id, town.voice.id
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, lobby)
            await emu.driver.leave_voice(town.alice)
            await emu.driver.wait_until(
                lambda: VoiceOp.DAVE_PREPARE_EPOCH in emu.voice.ops_sent(guild, emu.bot_id),
                timeout=STEP,
            )
            ops = emu.voice.ops_sent(guild, emu.bot_id)
            call = emu.voice.call(guild, lobby)
            assert call is not None
            assert not call.established
            await voice.disconnect()
        assert ops[-2:] == [VoiceOp.DAVE_PREPARE_EPOCH, VoiceOp.DAVE_PREPARE_TRANSITION]


async def test_a_client_without_dave_is_closed_with_4017(monkeypatch: pytest.MonkeyPatch) -> None:
    """nextcord without dave.py offers no DAVE in IDENTIFY: closed with 4017, as Discord does."""

    monkeypatch.setattr(nextcord.voice_client, "has_dave", False)
    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_voice_client(emu)) as client:
            with pytest.raises(nextcord.ConnectionClosed) as closed:
                await join(client, town.voice.id, reconnect=False)
        assert closed.value.code == Close.DAVE_REQUIRED
        assert Close.DAVE_REQUIRED.value == 4017
        assert emu.voice.closed_with == [4017]
        assert emu.voice.identify_count == 1


async def test_version_0_keeps_the_old_transport_only_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the knob at 0, a client without DAVE connects and its plain audio is heard."""

    monkeypatch.setattr(nextcord.voice_client, "has_dave", False)
    async with Emulator() as emu:
        emu.voice.dave_version = 0
        town = small_community(emu)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join(client, town.voice.id)
            assert not can_encrypt(voice)
            await play_to_end(voice, tone(1.0), timeout=STEP)
            await voice.disconnect()
        heard = emu.voice.heard(town.guild.id, town.voice.id)
        assert heard.voiced_seconds >= 0.8
        assert heard.e2ee_packets == 0
        assert emu.voice.call(town.guild.id, town.voice.id) is None


async def test_a_listener_hears_no_plain_frame_as_voice() -> None:
    """nextcord playing before the handshake ends sends plain frames: counted, never heard."""

    async with Emulator() as emu:
        emu.voice.member_latency = 0.5  # Alice's client takes its time to be ready
        town = small_community(emu)
        guild, lobby = town.guild.id, town.voice.id
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join(client, lobby)
            await play_to_end(voice, tone(1.5), timeout=STEP)
            await eventually(lambda: can_encrypt(voice), STEP, "the DAVE handshake")
            await voice.disconnect()
        heard = emu.voice.heard(guild, lobby)
        assert heard.plain_voiced_packets > 0
        assert heard.first_voiced_e2ee is False
        assert heard.voiced_seconds <= 1.5 - 0.02 * heard.plain_voiced_packets + 0.05


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x63", Close.UNKNOWN_OPCODE),
        (b"", Close.BAD_REQUEST),
        (b"\x1a" + b"\x00\x01\x00\x02", Close.BAD_REQUEST),
    ],
    ids=["unknown opcode", "empty", "not a key package"],
)
async def test_bad_binary_frames_close_the_connection(frame: bytes, code: Close) -> None:
    """An unknown binary opcode, an empty frame or a key package that does not parse: closed
    with the matching code, as Discord's voice gateway does."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            await voice.ws.send_as_bytes(frame)
            await emu.driver.wait_until(lambda: emu.voice.closed_with == [code], timeout=STEP)
            await voice.disconnect(force=True)


async def test_a_key_package_for_someone_else_is_refused() -> None:
    """The bot sending Alice's key package as its own: refused (4020), nothing proposed."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            stranger = Listener(town.alice.user_id, town.voice.id)
            await stranger.external_sender(emu.voice.external_sender.package())
            commits = len(emu.voice.commits)
            await voice.ws.send_as_bytes(b"\x1a" + stranger.key_package())
            await emu.driver.wait_until(
                lambda: emu.voice.closed_with == [Close.BAD_REQUEST], timeout=STEP
            )
            assert len(emu.voice.commits) == commits
            await voice.disconnect(force=True)


async def test_a_malformed_or_stale_commit_is_ignored() -> None:
    """Garbage as op 28, or a commit for a past epoch: not broadcast, the call goes on."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            await voice.ws.send_as_bytes(b"\x1c\x00\x01\x00\x01\xff")
            await voice.ws.send_as_bytes(b"\x1c" + bytes(40))
            await play_to_end(voice, tone(0.5), timeout=STEP)
            assert len(emu.voice.commits) == 1
            assert emu.voice.closed_with == []
            await voice.disconnect()
        assert emu.voice.heard(town.guild.id, town.voice.id).heard_through_e2ee

"""The emulated voice server against the real nextcord voice client."""

import nextcord

from emulator import Emulator
from emulator.voice.hearing import SILENCE_DBFS
from tests.emulator.support import STEP, make_client, running, small_community
from tests.emulator.voice_support import (
    join,
    join_encrypted,
    make_voice_client,
    play_to_end,
    silence,
    tone,
)


async def test_a_tone_played_by_the_bot_is_heard_in_its_channel() -> None:
    """A bot that joins Alice, plays 2 s of tone and leaves is heard by her for ~2 s, end to
    end encrypted, and ends out of voice."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            bot_state = emu.world.guild(town.guild.id).voice_states.get(emu.bot_id)
            assert bot_state is not None
            assert bot_state.channel_id == town.voice.id
            await play_to_end(voice, tone(2.0), timeout=STEP)
            await voice.disconnect()
            await emu.driver.wait_until(
                lambda: emu.bot_id not in emu.world.guild(town.guild.id).voice_states,
                timeout=STEP,
            )
        heard = emu.voice.heard(town.guild.id, town.voice.id)
        assert heard.voiced_seconds >= 1.5
        assert heard.voiced_seconds <= 2.1
        assert heard.loudness_dbfs > -20.0
        assert heard.heard_through_e2ee
        assert heard.plain_voiced_packets == 0
        assert emu.voice.rejected_packets == 0


async def test_silence_is_received_but_not_heard_as_voice() -> None:
    """Digital silence arrives as packets yet adds no voiced time."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            await play_to_end(voice, silence(0.5), timeout=STEP)
            await voice.disconnect()
        heard = emu.voice.heard(town.guild.id, town.voice.id)
        assert heard.packets >= 20
        assert heard.voiced_seconds == 0.0
        assert heard.peak_dbfs <= SILENCE_DBFS


async def test_speaking_is_announced_while_playing() -> None:
    """The voice gateway learns SPEAKING on while audio plays and off after it ends."""

    async with Emulator() as emu:
        town = small_community(emu)
        guild_id = town.guild.id
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join(client, town.voice.id)
            voice.play(tone(1.0))
            await emu.driver.wait_until(
                lambda: emu.voice.speaking(guild_id, emu.bot_id) == 1, timeout=STEP
            )
            await emu.driver.wait_until(
                lambda: emu.voice.speaking(guild_id, emu.bot_id) == 0, timeout=STEP
            )
            await voice.disconnect()
            await emu.driver.wait_until(lambda: emu.voice.connections == 0, timeout=STEP)


async def test_a_client_that_does_not_trust_the_certificate_cannot_connect() -> None:
    """The voice gateway really is TLS: a client without the certificate fails to connect."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client(nextcord.Intents.default())) as client:
            try:
                await join(client, town.voice.id, reconnect=False)
            except (nextcord.ClientException, OSError):
                pass
            else:
                raise AssertionError("connected without trusting the certificate")
        assert emu.voice.identify_count == 0

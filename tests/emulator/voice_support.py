"""Helpers for voice tests: a client that trusts the emulated voice gateway, and a test tone."""

import array
import asyncio
import io
import math

import aiohttp
import nextcord

from emulator import Emulator
from tests.emulator.support import STEP, QuickClient
from tests.helpers import eventually

SAMPLE_RATE = 48_000


def make_voice_client(emu: Emulator, intents: nextcord.Intents | None = None) -> nextcord.Client:
    """A plain nextcord client whose HTTP session trusts the emulator's voice certificate.

    Call it inside a running loop (aiohttp connectors belong to one).
    """
    connector = aiohttp.TCPConnector(ssl=emu.voice.certificate.client_context())
    return QuickClient(
        intents=intents or nextcord.Intents.default(),
        guild_ready_timeout=0.1,
        connector=connector,
    )


def tone(seconds: float, *, hz: float = 440.0, level: float = 0.3) -> nextcord.PCMAudio:
    """A sine tone as nextcord's PCM source (48 kHz, 16-bit, stereo)."""
    samples = array.array("h")
    amplitude = int(level * 32_767)
    for n in range(int(seconds * SAMPLE_RATE)):
        value = int(amplitude * math.sin(2 * math.pi * hz * n / SAMPLE_RATE))
        samples.extend((value, value))
    return nextcord.PCMAudio(io.BytesIO(samples.tobytes()))


def silence(seconds: float) -> nextcord.PCMAudio:
    """Digital silence as nextcord's PCM source."""
    return nextcord.PCMAudio(io.BytesIO(bytes(int(seconds * SAMPLE_RATE) * 4)))


async def join(
    client: nextcord.Client, channel_id: int, *, reconnect: bool = True
) -> nextcord.VoiceClient:
    """Connect ``client`` to a voice channel it knows from its cache."""
    channel = client.get_channel(channel_id)
    assert isinstance(channel, nextcord.VoiceChannel)
    return await channel.connect(timeout=STEP, reconnect=reconnect, cls=nextcord.VoiceClient)


def can_encrypt(voice: nextcord.VoiceClient) -> bool:
    """Whether nextcord would DAVE-encrypt the next frame (it sends plain ones until then)."""
    return voice.e2ee_state is not None and voice.e2ee_state.can_encrypt()


async def join_encrypted(client: nextcord.Client, channel_id: int) -> nextcord.VoiceClient:
    """Connect, then wait (bounded) until the DAVE handshake lets the client encrypt.

    nextcord's ``connect`` returns before the handshake ends, and plays in plain until then.
    """
    voice = await join(client, channel_id)
    await eventually(lambda: can_encrypt(voice), STEP, "the DAVE handshake")
    return voice


async def play_to_end(
    voice: nextcord.VoiceClient, source: nextcord.AudioSource, timeout: float
) -> None:
    """Play ``source`` and wait (bounded) until the player thread reports the end."""
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()
    errors: list[Exception] = []

    def after(error: Exception | None) -> None:
        if error is not None:
            errors.append(error)
        loop.call_soon_threadsafe(finished.set)

    voice.play(source, after=after)
    async with asyncio.timeout(timeout):
        await finished.wait()
    if errors:
        raise errors[0]

"""Text to speech, offline: espeak-ng writes a WAV, which becomes Discord's PCM.

Discord wants 48 kHz, 16-bit, stereo; espeak-ng speaks 22,050 Hz mono. The resampling is
linear interpolation, plenty for a synthetic voice, and runs in a worker thread.
"""

from __future__ import annotations

import array
import asyncio
import struct
from dataclasses import dataclass

TARGET_RATE = 48_000
SYNTH_TIMEOUT = 20.0


class SpeechError(Exception):
    """The sentence could not be synthesised; the message says why."""


@dataclass(frozen=True, slots=True)
class Voice:
    """How the bot speaks: the espeak-ng program, its voice and words per minute."""

    program: str = "espeak-ng"
    name: str = "en"
    speed: int = 160


async def synthesise(text: str, voice: Voice) -> bytes:
    """``text`` spoken as 48 kHz 16-bit stereo PCM; raise SpeechError."""
    try:
        process = await asyncio.create_subprocess_exec(
            voice.program,
            "-v",
            voice.name,
            "-s",
            str(voice.speed),
            "--stdout",
            "--",
            text,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        raise SpeechError(f"cannot run {voice.program!r}: {error}") from None
    try:
        async with asyncio.timeout(SYNTH_TIMEOUT):
            wav, errors = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise SpeechError(f"{voice.program!r} took longer than {SYNTH_TIMEOUT:g} s") from None
    if process.returncode != 0:
        detail = errors.decode(errors="replace").strip() or f"exit status {process.returncode}"
        raise SpeechError(f"{voice.program!r} failed: {detail}")
    rate, mono = read_wav(wav)
    return await asyncio.to_thread(to_discord_pcm, mono, rate)


def read_wav(wav: bytes) -> tuple[int, bytes]:
    """Sample rate and 16-bit mono samples of a WAV (espeak-ng's streamed sizes are ignored)."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise SpeechError("the synthesiser did not write a WAV")
    offset, rate, channels, bits = 12, 0, 0, 0
    while offset + 8 <= len(wav):
        chunk, size = wav[offset : offset + 4], struct.unpack_from("<I", wav, offset + 4)[0]
        body = offset + 8
        if chunk == b"fmt ":
            _, channels, rate = struct.unpack_from("<HHI", wav, body)
            (bits,) = struct.unpack_from("<H", wav, body + 14)
        elif chunk == b"data":
            if channels != 1 or bits != 16 or rate <= 0:
                raise SpeechError(f"unexpected WAV: {channels} channels, {bits} bits, {rate} Hz")
            samples = wav[body:]
            return rate, samples[: len(samples) - len(samples) % 2]
        offset = body + size + (size & 1)
    raise SpeechError("the WAV has no audio")


def to_discord_pcm(mono: bytes, rate: int) -> bytes:
    """16-bit mono at ``rate`` -> 16-bit stereo at 48 kHz (linear interpolation)."""
    source = array.array("h", mono)
    if not source:
        return b""
    last = len(source) - 1
    count = len(source) * TARGET_RATE // rate
    out = array.array("h", bytes(4 * count))
    for n in range(count):
        position = n * rate
        index, remainder = divmod(position, TARGET_RATE)
        if index >= last:
            value = source[last]
        else:
            a = source[index]
            value = a + (source[index + 1] - a) * remainder // TARGET_RATE
        out[2 * n] = out[2 * n + 1] = value
    return out.tobytes()

"""Voice benchmark: a member's join to the greeting's first audio they can decrypt; voice RSS.

``python -m bench.voice [--greetings N]``. A local emulator (with its voice server), an
in-process broker and the real gateway, telemetry and voice processes are started. The
community's play window holds the present hour and two members usually play now, so every
first person in a counted channel is greeted. N members join one after the other, each into
an empty lobby of its own, on a voice server that requires DAVE (as Discord does since March
2026): each join is timed from the emulator's voice-state change to the first frame the member
(a simulated DAVE group member) decrypts, so the DAVE handshake and the service's wait for it
are inside the figure. N more members, interleaved with those, join with the server's DAVE
knob at 0, timed to the first plain packet: the figure without DAVE, in the same run. The
simulated members answer at once (``member_latency`` 0): what is measured is the handshake's
own cost, not a network's round trips. The voice process's resident
memory is read while it speaks. The baseline, also measured in the same run, is a plain
nextcord client in this process that joins (without DAVE) and plays a tone at once: the ratio
is what deciding and synthesising add. Every wait is bounded. The last line printed is one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import nextcord
from nextcord.http import Route

from bench.common import in_private_dir, report, rss_bytes
from bus.broker import Broker
from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import (
    GuildConfig,
    GuildConfigReply,
    MemberSchedule,
    SchedulesReply,
    SetGuildConfig,
    SetSchedule,
    WeeklySlot,
)
from emulator import Emulator
from emulator.rules.state import Channel, Guild, Member
from emulator.voice.dave.participant import DAVE_VERSION
from emulator.voice.hearing import Heard

STEP = 60.0  # a bound on each step, met quickly when the machine is idle
TONE = b"".join(
    (8000 if (n // 55) % 2 else -8000).to_bytes(2, "little", signed=True) * 2 for n in range(48_000)
)
"""One second of a square wave, 16-bit stereo at 48 kHz."""


@contextlib.asynccontextmanager
async def process(
    module: str, runtime: Path, env: dict[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m <module>`` until the block ends (SIGTERM, bounded wait)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        env={
            **os.environ,
            "SQUADTIME_RUNTIME_DIR": str(runtime),
            "SQUADTIME_DATA_DIR": str(runtime / "data"),
            "SQUADTIME_LOG_LEVEL": "WARNING",
            **env,
        },
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        yield child
    finally:
        if child.returncode is None:
            child.terminate()
        await asyncio.wait_for(child.wait(), STEP)


async def baseline(emu: Emulator, guild: Guild, channel: Channel) -> float:
    """Seconds from a plain client's join request to its first packet heard (without DAVE)."""
    emu.voice.dave_version = 0
    try:
        return await _baseline(emu, guild, channel)
    finally:
        emu.voice.dave_version = DAVE_VERSION


async def _baseline(emu: Emulator, guild: Guild, channel: Channel) -> float:
    intents = nextcord.Intents.none()
    intents.guilds = intents.voice_states = True
    connector = aiohttp.TCPConnector(ssl=emu.voice.certificate.client_context())
    client = nextcord.Client(intents=intents, guild_ready_timeout=0.1, connector=connector)
    Route.BASE = emu.api_url
    task = asyncio.create_task(client.start(emu.token))
    try:
        async with asyncio.timeout(STEP):
            await client.wait_until_ready()
        target = client.get_channel(channel.id)
        assert isinstance(target, nextcord.VoiceChannel)
        started = time.monotonic()
        voice = await target.connect(timeout=STEP, cls=nextcord.VoiceClient)
        voice.play(nextcord.PCMAudio(io.BytesIO(TONE)))
        await emu.driver.wait_until(
            lambda: emu.voice.heard(guild.id, channel.id).first_packet_at is not None,
            timeout=STEP,
        )
        first = emu.voice.heard(guild.id, channel.id).first_packet_at
        assert first is not None
        voice.stop()
        await voice.disconnect(force=True)
        return first - started
    finally:
        await client.close()
        await asyncio.wait({task}, timeout=STEP)


async def configure(
    endpoints: Endpoints, guild: Guild, lobbies: list[Channel], regulars: list[Member]
) -> None:
    """Greetings on, the lobbies counted, a UTC window holding now, regulars scheduled now."""
    now = datetime.now(UTC)
    peer = BusClient("bench", endpoints)
    await peer.start(timeout=STEP)
    try:
        config = GuildConfig(
            guild_id=guild.id,
            timezone="UTC",
            window_start=now.hour,
            window_hours=2,
            voice_channel_ids=[c.id for c in lobbies],
            greetings=True,
        )
        await peer.request(
            "telemetry", SetGuildConfig(config=config), expect=GuildConfigReply, timeout=STEP
        )
        slot = WeeklySlot(weekday=now.weekday(), hour=now.hour)
        for member in regulars:
            await peer.request(
                "telemetry",
                SetSchedule(
                    guild_id=guild.id,
                    schedule=MemberSchedule(user_id=member.user_id, slots=[slot]),
                ),
                expect=SchedulesReply,
                timeout=STEP,
            )
    finally:
        await peer.close()


def first_audio(heard: Heard, *, dave: bool) -> float | None:
    """When the first frame the member could play arrived: decrypted with DAVE, plain without."""
    return heard.first_e2ee_at if dave else heard.first_packet_at


async def greet_once(
    emu: Emulator, member: Member, channel: Channel, voice_pid: int, *, dave: bool
) -> tuple[float, float, int]:
    """One greeting: seconds from join, and from the bot's voice IDENTIFY, to the first audio
    the member can play, and the voice process's peak RSS."""
    guild_id = member.guild_id
    started = time.monotonic()
    await emu.driver.join_voice(member, channel)
    await emu.driver.wait_until(
        lambda: first_audio(emu.voice.heard(guild_id, channel.id), dave=dave) is not None,
        timeout=STEP,
    )
    first = first_audio(emu.voice.heard(guild_id, channel.id), dave=dave)
    identified = emu.voice.last_identify_at
    assert first is not None
    assert identified is not None
    peak = rss_bytes(voice_pid)
    deadline = time.monotonic() + STEP
    while emu.bot_id in emu.world.guild(guild_id).voice_states and time.monotonic() < deadline:
        peak = max(peak, rss_bytes(voice_pid))
        await asyncio.sleep(0.1)  # sampling memory while it speaks, not synchronising
    await emu.driver.leave_voice(member)
    return first - started, first - identified, peak


async def measure(greetings: int, runtime: Path) -> dict[str, Any]:
    endpoints = Endpoints.ipc(runtime)
    broker = Broker(endpoints)
    broker.start()
    try:
        async with Emulator() as emu:
            driver = emu.driver
            guild = driver.add_guild("Bench")
            lobbies = [driver.add_voice_channel(guild, f"Lobby {i}") for i in range(2 * greetings)]
            quiet = driver.add_voice_channel(guild, "Baseline")
            regulars = [driver.add_member(guild, name) for name in ("bob", "carol")]
            joiners = [driver.add_member(guild, f"player{i}") for i in range(2 * greetings)]
            base = await baseline(emu, guild, quiet)
            env = {"SQUADTIME_DISCORD_API": emu.api_url, "DISCORD_TOKEN": emu.token}
            voice_env = env | {"SQUADTIME_VOICE_CA_FILE": str(emu.voice.certificate.cert_file)}
            sessions = len(emu.gateway.live_sessions)
            async with (
                process("services.telemetry", runtime, env),
                process("services.gateway", runtime, env),
            ):
                await driver.wait_until(
                    lambda: len(emu.gateway.live_sessions) >= sessions + 1, timeout=STEP
                )
                await configure(endpoints, guild, lobbies, regulars)
                async with process("services.voice", runtime, voice_env) as voice:
                    await driver.wait_until(
                        lambda: len(emu.gateway.live_sessions) >= sessions + 2, timeout=STEP
                    )
                    await asyncio.sleep(2.0)  # let the new process settle before reading memory
                    idle = rss_bytes(voice.pid)
                    delays: dict[bool, list[float]] = {True: [], False: []}
                    connects: dict[bool, list[float]] = {True: [], False: []}
                    peaks = []
                    for n, (member, lobby) in enumerate(zip(joiners, lobbies, strict=True)):
                        dave = n % 2 == 0  # interleaved, so that drift favours neither
                        emu.voice.dave_version = DAVE_VERSION if dave else 0
                        delay, connect, peak = await greet_once(
                            emu, member, lobby, voice.pid, dave=dave
                        )
                        delays[dave].append(delay)
                        connects[dave].append(connect)
                        peaks.append(peak)
    finally:
        broker.stop()
    ms = 1000.0
    with_dave, without = statistics.median(delays[True]), statistics.median(delays[False])
    return {
        "bench": "voice",
        "greetings": greetings,
        "join_to_first_decryptable_frame_p50_ms": round(with_dave * ms, 1),
        "join_to_first_decryptable_frame_max_ms": round(max(delays[True]) * ms, 1),
        "join_to_first_packet_without_dave_p50_ms": round(without * ms, 1),
        "join_to_first_packet_without_dave_max_ms": round(max(delays[False]) * ms, 1),
        "dave_over_without_p50_ratio": round(with_dave / without, 2),
        "identify_to_first_decryptable_frame_p50_ms": round(
            statistics.median(connects[True]) * ms, 1
        ),
        "identify_to_first_packet_without_dave_p50_ms": round(
            statistics.median(connects[False]) * ms, 1
        ),
        "baseline_connect_to_first_packet_ms": round(base * ms, 1),
        "p50_ratio": round(with_dave / base, 2),
        "voice_idle_rss_mb": round(idle / 2**20, 1),
        "voice_speaking_rss_mb": round(max(peaks) / 2**20, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.voice", description=__doc__)
    parser.add_argument("--greetings", type=int, default=3, help="greetings to time (default 3)")
    args = parser.parse_args(argv)
    if args.greetings < 1:
        parser.error("--greetings must be at least 1")
    figures = in_private_dir(lambda runtime: measure(args.greetings, runtime))
    return report(
        f"join -> first decryptable frame p50 {figures['join_to_first_decryptable_frame_p50_ms']}"
        f" ms with DAVE, {figures['join_to_first_packet_without_dave_p50_ms']} ms to the first"
        f" packet without (x{figures['dave_over_without_p50_ratio']}); from the voice IDENTIFY"
        f" {figures['identify_to_first_decryptable_frame_p50_ms']} ms with DAVE,"
        f" {figures['identify_to_first_packet_without_dave_p50_ms']} ms without; plain client"
        f" connect -> first packet {figures['baseline_connect_to_first_packet_ms']} ms;"
        f" voice RSS idle {figures['voice_idle_rss_mb']} MiB,"
        f" speaking {figures['voice_speaking_rss_mb']} MiB",
        figures,
    )


if __name__ == "__main__":
    sys.exit(main())

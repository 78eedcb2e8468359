"""Gateway benchmarks: event relay latency emulator -> bus subscriber, and idle RSS.

``python -m bench.gateway [--reactions N]``. A local emulator, an in-process
broker and the real gateway process (``python -m services.gateway``) are
started; a member reacts N times, one reaction at a time, and each
``ReactionAdded`` is timed from the emulator's dispatch to its arrival at a
bus subscriber. The baseline, measured in the same run, is a plain nextcord
client in this process receiving the same reactions straight from the
emulator: the ratio is what the gateway and the bus add. The gateway's
resident memory is read from /proc once it has idled. The last line printed
is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nextcord
from nextcord.http import Route

from bench.common import in_private_dir, percentile, report, rss_bytes, service_env
from bus.broker import Broker
from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import Envelope, GuildSnapshot, ReactionAdded
from emulator import Emulator
from emulator.rules.state import Member

STEP = 60.0  # a bound on each step, met quickly when the machine is idle
EMOJIS = [chr(0x1F600 + i) for i in range(20)]


class _Arrivals:
    """Arrival times of reactions, keyed by (member, emoji), with a wake-up."""

    def __init__(self) -> None:
        self.at: dict[tuple[int, str], float] = {}
        self.event = asyncio.Event()

    def note(self, user_id: int, emoji: str) -> None:
        self.at[(user_id, emoji)] = time.perf_counter()
        self.event.set()

    async def wait(self, key: tuple[int, str]) -> float:
        async with asyncio.timeout(STEP):
            while key not in self.at:
                self.event.clear()
                await self.event.wait()
        return self.at[key]


async def _react_all(
    emu: Emulator, members: list[Member], message_id: int, arrivals: _Arrivals, count: int
) -> list[float]:
    latencies = []
    for index in range(count):
        member = members[index // len(EMOJIS)]
        emoji = EMOJIS[index % len(EMOJIS)]
        started = time.perf_counter()
        await emu.driver.react(member, message_id, emoji)
        latencies.append(await arrivals.wait((member.user_id, emoji)) - started)
    return latencies


async def baseline(
    emu: Emulator, members: list[Member], message_id: int, count: int
) -> list[float]:
    """A plain nextcord client in this process, straight from the emulator."""
    arrivals = _Arrivals()
    intents = nextcord.Intents.none()
    intents.guilds = intents.members = intents.guild_reactions = True
    client = nextcord.Client(intents=intents, guild_ready_timeout=0.1)

    async def on_raw_reaction_add(payload: nextcord.RawReactionActionEvent) -> None:
        arrivals.note(payload.user_id, str(payload.emoji))

    client.event(on_raw_reaction_add)
    Route.BASE = emu.api_url
    task = asyncio.create_task(client.start(emu.token))
    try:
        async with asyncio.timeout(STEP):
            await client.wait_until_ready()
        return await _react_all(emu, members, message_id, arrivals, count)
    finally:
        await client.close()
        await asyncio.wait({task}, timeout=STEP)


async def through_gateway(
    emu: Emulator,
    endpoints: Endpoints,
    runtime: Path,
    members: list[Member],
    message_id: int,
    count: int,
) -> tuple[list[float], int]:
    """The real gateway process, timed at a bus subscriber; returns latencies and idle RSS."""
    arrivals = _Arrivals()
    snapshot = asyncio.Event()
    client = BusClient("bench", endpoints)

    async def collect(batch: Sequence[Envelope]) -> None:
        for envelope in batch:
            body = envelope.body
            if isinstance(body, ReactionAdded):
                arrivals.note(body.member.user_id, body.emoji)
            elif isinstance(body, GuildSnapshot):
                snapshot.set()

    client.subscribe("gateway.")
    client.on_events(collect)
    await client.start(timeout=STEP)
    env = service_env(runtime, emu.api_url, emu.token)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.gateway", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        async with asyncio.timeout(STEP):
            await snapshot.wait()
        latencies = await _react_all(emu, members, message_id, arrivals, count)
        # Idle: let the event loop settle after the burst before reading memory.
        await asyncio.sleep(2.0)
        rss = rss_bytes(process.pid)
        return latencies, rss
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), STEP)
        await client.close()


async def measure(count: int, runtime: Path) -> dict[str, Any]:
    endpoints = Endpoints.ipc(runtime)
    broker = Broker(endpoints)
    broker.start()
    try:
        async with Emulator() as emu:
            driver = emu.driver
            guild = driver.add_guild("Bench")
            text = driver.add_text_channel(guild, "general")
            needed = 2 * -(-count // len(EMOJIS))  # each side reacts with its own members
            members = [driver.add_member(guild, f"m{i}") for i in range(needed)]
            author = driver.owner(guild)
            base_message = (await driver.say(author, text, "baseline")).id
            gate_message = (await driver.say(author, text, "gateway")).id
            half = len(members) // 2
            base = await baseline(emu, members[:half], base_message, count)
            gate, rss = await through_gateway(
                emu, endpoints, runtime, members[half:], gate_message, count
            )
    finally:
        broker.stop()
    ms = 1000.0
    return {
        "bench": "gateway",
        "reactions": count,
        "relay_p50_ms": round(statistics.median(gate) * ms, 3),
        "relay_p99_ms": round(percentile(gate, 0.99) * ms, 3),
        "baseline_p50_ms": round(statistics.median(base) * ms, 3),
        "baseline_p99_ms": round(percentile(base, 0.99) * ms, 3),
        "p50_ratio": round(statistics.median(gate) / statistics.median(base), 2),
        "gateway_idle_rss_mb": round(rss / 2**20, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway", description=__doc__)
    parser.add_argument(
        "--reactions", type=int, default=400, help="reactions to time (default 400)"
    )
    args = parser.parse_args(argv)
    if args.reactions < 1:
        parser.error("--reactions must be at least 1")
    figures = in_private_dir(lambda runtime: measure(args.reactions, runtime))
    return report(
        f"relay p50 {figures['relay_p50_ms']} ms, p99 {figures['relay_p99_ms']} ms"
        f" (plain nextcord client: p50 {figures['baseline_p50_ms']} ms);"
        f" gateway idle RSS {figures['gateway_idle_rss_mb']} MiB",
        figures,
    )


if __name__ == "__main__":
    sys.exit(main())

"""Scheduler benchmarks: a burst of reactions against one edit per click, and idle RSS.

``python -m bench.scheduler [--members N] [--spread S]``. A local emulator, an in-process
broker and the real gateway, telemetry and scheduler processes are started; an admin sets
up the daily message, then N members each click two hours within S seconds. The figures:
how many edits of the daily message the emulator received for the burst, against the one
edit per click a naive bot would make (the baseline, counted in the same run), the delay
from the last click to the last edit (the run waits until the final text lists everyone).
The scheduler's resident memory is read from /proc once it has idled. The last line printed
is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import in_private_dir, report, rss_bytes, service_env
from bus.broker import Broker
from bus.endpoints import Endpoints
from emulator import Emulator
from emulator.recorder import RequestRecord
from emulator.state import Channel, Member

STEP = 30.0
EDIT_ROUTE = "/channels/{channel_id}/messages/{message_id}"
SERVICES = ("telemetry", "gateway", "scheduler")
HOURS = ("🇦", "🇧", "🇨", "🇩")


async def _answer(emu: Emulator, admin: Member, text: Channel, command: str, **options: Any) -> str:
    async with asyncio.timeout(STEP):
        while True:
            outcome = await emu.driver.slash(admin, text, command, options)
            content = outcome.message.content if outcome.message else ""
            if not content.startswith("squadtime is busy"):
                return content
            await asyncio.sleep(0.2)  # the scheduler is still starting


def _daily(emu: Emulator, text: Channel, viewer: Member) -> str:
    found = [m.content for m in emu.driver.messages(text, viewer) if m.content.startswith("## Who")]
    return found[-1] if found else ""


async def _burst(
    emu: Emulator, admin: Member, text: Channel, players: list[Member], spread: float
) -> tuple[list[RequestRecord], int, float, float]:
    """Set up the daily message, click; (edits of the burst, clicks, its length, last click)."""
    driver = emu.driver
    await driver.wait_until(
        lambda: "config" in {c.name for c in emu.world.commands.values()}, timeout=STEP
    )
    hour = time.gmtime().tm_hour
    await _answer(emu, admin, text, "config window", start=hour, hours=len(HOURS))
    await _answer(emu, admin, text, "config time", time="00:00")
    await _answer(emu, admin, text, "config channel", channel=text.id)
    await driver.wait_until(lambda: bool(_daily(emu, text, admin)), timeout=STEP)
    message = next(m for m in driver.messages(text, admin) if m.content.startswith("## Who"))
    await driver.wait_until(
        lambda: len(driver.message(message.id, admin).reactions) == len(HOURS), timeout=STEP
    )
    before = len(emu.requests.matching("PATCH", EDIT_ROUTE))
    clicks = 2 * len(players)
    pause = spread / clicks
    started = time.monotonic()
    for player in players:
        for emoji in (HOURS[0], HOURS[2]):
            await driver.react(player, message.id, emoji)
            await asyncio.sleep(pause)  # pacing the burst over the spread
    last_click = time.monotonic()
    expected = f"· **{len(players)}** ·"
    await driver.wait_until(lambda: _daily(emu, text, admin).count(expected) == 2, timeout=STEP)
    await asyncio.sleep(2.0)  # idle, and room for any late edit to show up
    edits = emu.requests.matching("PATCH", EDIT_ROUTE)[before:]
    return edits, clicks, last_click - started, last_click


async def measure(members: int, spread: float, runtime: Path) -> dict[str, Any]:
    endpoints = Endpoints.ipc(runtime)
    broker = Broker(endpoints)
    broker.start()
    processes: dict[str, asyncio.subprocess.Process] = {}
    try:
        async with Emulator() as emu:
            driver = emu.driver
            guild = driver.add_guild("Bench")
            admins = driver.add_role(guild, "Admins", permissions=1 << 5)
            text = driver.add_text_channel(guild, "general")
            admin = driver.add_member(guild, "admin", roles=[admins])
            players = [driver.add_member(guild, f"p{i:03d}") for i in range(members)]
            env = service_env(runtime, emu.api_url, emu.token)
            try:
                for name in SERVICES:
                    processes[name] = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", f"services.{name}", env=env
                    )
                edits, clicks, burst, last_click = await _burst(emu, admin, text, players, spread)
                rss = {name: rss_bytes(p.pid) for name, p in processes.items()}
            finally:
                # Stop the bot while the emulator still answers, so nothing reconnects.
                for process in processes.values():
                    process.terminate()
                for process in processes.values():
                    await asyncio.wait_for(process.wait(), STEP)
    finally:
        broker.stop()
    return {
        "bench": "scheduler",
        "clicks": clicks,
        "burst_seconds": round(burst, 2),
        "edits": len(edits),
        "baseline_edits": clicks,
        "edits_saved_ratio": round(clicks / max(len(edits), 1), 1),
        "last_click_to_last_edit_s": round(edits[-1].at - last_click, 3) if edits else None,
        "scheduler_idle_rss_mb": round(rss["scheduler"] / 2**20, 1),
        "telemetry_idle_rss_mb": round(rss["telemetry"] / 2**20, 1),
        "gateway_idle_rss_mb": round(rss["gateway"] / 2**20, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__)
    parser.add_argument("--members", type=int, default=25, help="members clicking (default 25)")
    parser.add_argument(
        "--spread", type=float, default=2.0, help="seconds the burst lasts (default 2)"
    )
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be at least 1")
    if args.spread <= 0:
        parser.error("--spread must be positive")
    figures = in_private_dir(lambda runtime: measure(args.members, args.spread, runtime))
    return report(
        f"{figures['clicks']} clicks in {figures['burst_seconds']} s -> {figures['edits']} edits"
        f" (one per click: {figures['baseline_edits']}); last edit"
        f" {figures['last_click_to_last_edit_s']} s after the last click;"
        f" scheduler idle RSS {figures['scheduler_idle_rss_mb']} MiB",
        figures,
    )


if __name__ == "__main__":
    sys.exit(main())

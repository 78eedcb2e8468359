"""Scheduler benchmarks: a burst of reactions against one edit per click, and idle RSS.

``python -m bench.scheduler [--members N] [--spread S]``. A local emulator, an in-process
broker and the real gateway, telemetry and scheduler processes are started; an admin sets
up the daily message, then N members each click two hours within S seconds. The figures:
how many edits of the daily message the emulator received for the burst, against the one
edit per click a naive bot would make (the baseline, counted in the same run), the delay
from the last click to the last edit (the run waits until the final text lists everyone).
The scheduler's resident memory is read from /proc once it has idled.

Then a flood, twice, each on a fresh fleet: 200 members click all five hours at once (1,000
clicks), recorded one at a time (``SQUADTIME_MARK_BATCH=1``, the baseline) and in batches
(the default). The figures: seconds from the first click until the clicks were all sent to
the gateway, until telemetry had stored all 1,000 marks (its database read, never written),
and until the message's final text counted 200 in every hour.

Then members saying both things at once (``--mixed N``, 100 by default), on a fresh fleet:
within S seconds each reacts with the first hour (in) and, through the message's Maybe
button and its private select, says maybe for the third. The figures: the edits of the
daily message for those 2N answers, and the seconds from the last answer to the last edit
and to the final text (N in the first hour, N maybes in the third), beside the click
burst's own (``last_click_to_final_text_s``). ``--no-flood`` skips the floods (a quick
run). ``--guilds N`` runs only the posts of N guilds due at the same minute, in lanes and
one guild after another (``bench/guild_posts.py``). The last line printed is one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from bench.common import in_private_dir, report, rss_bytes, service_env, slash_answer
from bus.broker import Broker
from bus.endpoints import Endpoints
from emulator import Emulator
from emulator.engine.recorder import RequestRecord
from emulator.rules.components import StringSelect
from emulator.rules.state import Channel, Member
from services.runtime.playtime import MAYBE_MARK
from services.scheduler.daily import MAYBE_BUTTON

STEP = 30.0
EDIT_ROUTE = "/channels/{channel_id}/messages/{message_id}"
SERVICES = ("telemetry", "gateway", "scheduler")
HOURS = ("🇦", "🇧", "🇨", "🇩")
FLOOD_HOURS = ("🇦", "🇧", "🇨", "🇩", "🇪")
FLOOD_MEMBERS = 200  # each clicks every hour: 1,000 clicks at once
FLOOD_STEP = 300.0  # the one-at-a-time path may take minutes on a small machine
POLL = 0.02
SETTLE = 2.0  # seconds of quiet after a burst's final text: room for a late edit to show
MIXED_MEMBERS = 100  # members answering in and maybe at once
MAYBE_HOUR = 2  # the window's hour the mixed burst says maybe for: 🇨


async def answer(emu: Emulator, admin: Member, text: Channel, command: str, **options: Any) -> str:
    """An admin's slash command and its answer, asked again while the scheduler is starting."""
    return await slash_answer(emu, admin, text, command, within=STEP, **options)


def _daily(emu: Emulator, text: Channel, viewer: Member) -> str:
    found = [m.content for m in emu.driver.messages(text, viewer) if m.content.startswith("## Who")]
    return found[-1] if found else ""


async def _set_up(emu: Emulator, admin: Member, text: Channel, hours: int) -> int:
    """An admin sets the daily message up for this hour on; its id, once it has its hours."""
    driver = emu.driver
    await driver.wait_until(
        lambda: "config" in {c.name for c in emu.world.commands.values()}, timeout=STEP
    )
    hour = time.gmtime().tm_hour
    await answer(emu, admin, text, "config window", start=hour, hours=hours)
    await answer(emu, admin, text, "config time", time="00:00")
    await answer(emu, admin, text, "config channel", channel=text.id)
    await driver.wait_until(lambda: bool(_daily(emu, text, admin)), timeout=STEP)
    message = next(m for m in driver.messages(text, admin) if m.content.startswith("## Who"))
    await driver.wait_until(
        lambda: len(driver.message(message.id, admin).reactions) == hours, timeout=STEP
    )
    return message.id


def _edits(emu: Emulator, message: int, since: int) -> list[RequestRecord]:
    """The edits of the daily message among the emulator's requests from index ``since``."""
    edits = emu.requests.matching("PATCH", EDIT_ROUTE)[since:]
    return [e for e in edits if e.params.get("message_id") == str(message)]


def _final_at(edits: list[RequestRecord], final: str) -> float | None:
    """When the edit that made the message ``final`` reached Discord (None: none did)."""
    return next(
        (e.at for e in edits if isinstance(e.body, dict) and e.body.get("content") == final), None
    )


async def _burst(
    emu: Emulator, admin: Member, text: Channel, players: list[Member], spread: float
) -> tuple[list[RequestRecord], int, float, float]:
    """Set up the daily message, click; (edits of the burst, clicks, its length, last click)."""
    driver = emu.driver
    message = await _set_up(emu, admin, text, len(HOURS))
    before = len(emu.requests.matching("PATCH", EDIT_ROUTE))
    clicks = 2 * len(players)
    pause = spread / clicks
    started = time.monotonic()
    for player in players:
        for emoji in (HOURS[0], HOURS[2]):
            await driver.react(player, message, emoji)
            await asyncio.sleep(pause)  # pacing the burst over the spread
    last_click = time.monotonic()
    expected = f"· **{len(players)}** ·"
    await driver.wait_until(lambda: _daily(emu, text, admin).count(expected) == 2, timeout=STEP)
    await asyncio.sleep(SETTLE)  # idle, and room for any late edit to show up
    edits = emu.requests.matching("PATCH", EDIT_ROUTE)[before:]
    return edits, clicks, last_click - started, last_click


async def _say_maybe(emu: Emulator, member: Member, message: int, hour: int) -> tuple[bool, float]:
    """The member presses Maybe and picks the window's hour ``hour`` in their private select:
    whether the select answered that it was saved, and when the pick was sent."""
    opened = await emu.driver.click(member, message, MAYBE_BUTTON)
    menu = opened.message
    if menu is None or not menu.ephemeral:
        return False, time.monotonic()
    [select] = [
        item for row in menu.components for item in row.components if isinstance(item, StringSelect)
    ]
    value = select.options[hour].value
    sent = time.monotonic()
    picked = await emu.driver.select(member, menu.id, select.custom_id, [value])
    return picked.message is not None and picked.message.content.startswith(MAYBE_MARK), sent


async def _mixed(
    emu: Emulator, admin: Member, text: Channel, players: list[Member], spread: float
) -> dict[str, Any]:
    """Each player reacts with the first hour and says maybe for the third, the members
    starting within ``spread`` seconds side by side (each one's answers one after the other:
    the select opens only once Maybe is answered); the edits, and the seconds from the last
    answer sent (a pick in a select) to the last edit and to the final text."""
    message = await _set_up(emu, admin, text, len(HOURS))
    before = len(emu.requests.matching("PATCH", EDIT_ROUTE))
    pace = spread / len(players)

    async def answer(index: int, player: Member) -> tuple[bool, float]:
        await asyncio.sleep(index * pace)  # pacing the members over the spread
        await emu.driver.react(player, message, HOURS[0])
        return await _say_maybe(emu, player, message, MAYBE_HOUR)

    started = time.monotonic()
    answered = await asyncio.gather(*(answer(i, p) for i, p in enumerate(players)))
    last = max(at for _, at in answered)
    count = len(players)

    def final() -> bool:
        lines = _daily(emu, text, admin).splitlines()
        first = next((line for line in lines if line.startswith(HOURS[0])), "")
        third = next((line for line in lines if line.startswith(HOURS[MAYBE_HOUR])), "")
        return f"· **{count}** ·" in first and f"+ {count} maybe" in third

    await emu.driver.wait_until(final, timeout=STEP)
    await asyncio.sleep(SETTLE)  # idle, and room for any late edit to show up
    edits = _edits(emu, message, before)
    shown_at = _final_at(edits, _daily(emu, text, admin))
    return {
        "members": count,
        "answers": 2 * count,
        "maybes_saved": sum(saved for saved, _ in answered),
        "seconds": round(last - started, 2),
        "edits": len(edits),
        "last_answer_to_last_edit_s": round(edits[-1].at - last, 3) if edits else None,
        "last_answer_to_final_text_s": round(shown_at - last, 3) if shown_at else None,
    }


@contextlib.asynccontextmanager
async def _fleet(
    runtime: Path, members: int, **settings: str
) -> AsyncIterator[tuple[Emulator, Member, Channel, list[Member], dict[str, int]]]:
    """The emulator with an admin and ``members`` players, a broker, and the real telemetry,
    gateway and scheduler processes (with ``settings``); the processes' pids."""
    endpoints = Endpoints.ipc(_private(runtime))
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
            env = service_env(runtime, emu.api_url, emu.token, **settings)
            try:
                for name in SERVICES:
                    processes[name] = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", f"services.{name}", env=env
                    )
                yield emu, admin, text, players, {n: p.pid for n, p in processes.items()}
            finally:
                # Stop the bot while the emulator still answers, so nothing reconnects.
                for process in processes.values():
                    process.terminate()
                for process in processes.values():
                    await asyncio.wait_for(process.wait(), STEP)
    finally:
        broker.stop()


async def measure(
    members: int, spread: float, runtime: Path, *, mixed: int = MIXED_MEMBERS, flood: bool = True
) -> dict[str, Any]:
    async with _fleet(runtime / "burst", members) as (emu, admin, text, players, pids):
        edits, clicks, burst, last_click = await _burst(emu, admin, text, players, spread)
        rss = {name: rss_bytes(pid) for name, pid in pids.items()}
        final = _final_at(edits, _daily(emu, text, admin))
    async with _fleet(runtime / "mixed", mixed) as (emu, admin, text, players, _):
        answers = await _mixed(emu, admin, text, players, spread)
    figures = {
        "bench": "scheduler",
        "clicks": clicks,
        "burst_seconds": round(burst, 2),
        "edits": len(edits),
        "baseline_edits": clicks,
        "edits_saved_ratio": round(clicks / max(len(edits), 1), 1),
        "last_click_to_last_edit_s": round(edits[-1].at - last_click, 3) if edits else None,
        "last_click_to_final_text_s": round(final - last_click, 3) if final else None,
        "scheduler_idle_rss_mb": round(rss["scheduler"] / 2**20, 1),
        "telemetry_idle_rss_mb": round(rss["telemetry"] / 2**20, 1),
        "gateway_idle_rss_mb": round(rss["gateway"] / 2**20, 1),
        **{f"mixed_{key}": value for key, value in answers.items()},
    }
    if flood:
        figures |= await _measure_floods(runtime)
    return figures


async def _measure_floods(runtime: Path) -> dict[str, Any]:
    """The flood recorded one mark at a time, then in batches; their figures."""
    flood = {batch: await _measure_flood(runtime / f"flood{batch}", batch) for batch in (1, 0)}
    one, batched = flood[1], flood[0]
    return {
        "flood_clicks": FLOOD_MEMBERS * len(FLOOD_HOURS),
        "flood_members": FLOOD_MEMBERS,
        **{f"flood_{key}": value for key, value in batched.items()},
        **{f"flood_one_at_a_time_{key}": value for key, value in one.items()},
        "flood_final_text_speedup": round(one["final_text_s"] / batched["final_text_s"], 1),
        "flood_stored_speedup": round(one["stored_s"] / batched["stored_s"], 1),
    }


async def _measure_flood(runtime: Path, batch: int) -> dict[str, float]:
    """The flood with ``batch`` marks per round trip (0: the scheduler's default)."""
    settings = {"SQUADTIME_MARK_BATCH": str(batch)} if batch else {}
    async with _fleet(runtime, FLOOD_MEMBERS, **settings) as (emu, admin, text, players, _):
        return await _flood(emu, admin, text, players, runtime / "data" / "telemetry.db")


async def _flood(
    emu: Emulator, admin: Member, text: Channel, players: list[Member], db: Path
) -> dict[str, float]:
    """Every player clicks every hour at once; seconds from the first click until the
    clicks were all sent, all stored by telemetry, and the message's final text."""
    message = await _set_up(emu, admin, text, len(FLOOD_HOURS))
    started = time.monotonic()
    for emoji in FLOOD_HOURS:
        for player in players:
            await emu.driver.react(player, message, emoji)
    sent = time.monotonic()
    stored = final = 0.0
    expected = f"· **{len(players)}** ·"
    async with asyncio.timeout(FLOOD_STEP):
        while not (stored and final):
            if not stored and _stored(db) == len(players) * len(FLOOD_HOURS):
                stored = time.monotonic()
            if not final and _daily(emu, text, admin).count(expected) == len(FLOOD_HOURS):
                final = time.monotonic()
            await asyncio.sleep(POLL)  # the emulator and the database are read, not waited on
    return {
        "send_s": round(sent - started, 3),
        "stored_s": round(stored - started, 3),
        "final_text_s": round(final - started, 3),
    }


def _private(folder: Path) -> Path:
    """``folder``, made for the bot's user only (a run's bus sockets and database)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _stored(db: Path) -> int:
    """How many (member, hour) reaction marks telemetry holds, read without writing."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
            rows = connection.execute("SELECT hours FROM marks WHERE source = 0").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return 0
    return sum(hours.bit_count() for (hours,) in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__)
    parser.add_argument("--members", type=int, default=25, help="members clicking (default 25)")
    parser.add_argument(
        "--spread", type=float, default=2.0, help="seconds each burst lasts (default 2)"
    )
    parser.add_argument(
        "--mixed",
        type=int,
        default=MIXED_MEMBERS,
        help=f"members answering in and maybe at once (default {MIXED_MEMBERS})",
    )
    parser.add_argument("--no-flood", action="store_true", help="skip the 1,000-click floods")
    parser.add_argument(
        "--guilds",
        type=int,
        default=0,
        help="only the daily posts of N guilds due at the same minute, in lanes and not",
    )
    args = parser.parse_args(argv)
    if args.guilds:
        return _guilds(args.guilds)
    if args.members < 1 or args.mixed < 1:
        parser.error("--members and --mixed must be at least 1")
    if args.spread <= 0:
        parser.error("--spread must be positive")
    figures = in_private_dir(
        lambda runtime: measure(
            args.members, args.spread, runtime, mixed=args.mixed, flood=not args.no_flood
        )
    )
    summary = (
        f"{figures['clicks']} clicks in {figures['burst_seconds']} s -> {figures['edits']} edits"
        f" (one per click: {figures['baseline_edits']}); final text"
        f" {figures['last_click_to_final_text_s']} s after the last click;"
        f" scheduler idle RSS {figures['scheduler_idle_rss_mb']} MiB\n"
        f"{figures['mixed_members']} members in and maybe in {figures['mixed_seconds']} s"
        f" ({figures['mixed_answers']} answers) -> {figures['mixed_edits']} edits; final text"
        f" {figures['mixed_last_answer_to_final_text_s']} s after the last answer"
    )
    if args.no_flood:
        return report(summary, figures)
    return report(
        summary + "\n"
        f"{figures['flood_clicks']} simultaneous clicks -> final text in"
        f" {figures['flood_final_text_s']} s (one at a time:"
        f" {figures['flood_one_at_a_time_final_text_s']} s,"
        f" x{figures['flood_final_text_speedup']}); all stored in {figures['flood_stored_s']} s"
        f" (one at a time: {figures['flood_one_at_a_time_stored_s']} s,"
        f" x{figures['flood_stored_speedup']}); clicks sent in {figures['flood_send_s']} s",
        figures,
    )


def _guilds(guilds: int) -> int:
    """``--guilds N``: the daily posts of N guilds due together (``bench/guild_posts.py``)."""
    from bench.guild_posts import measure_guilds  # imports this module: loaded when asked

    figures = in_private_dir(lambda runtime: measure_guilds(guilds, runtime))
    return report(
        f"{guilds} guilds' posts due at the same minute, {figures['hours']} hours each: the last"
        f" complete after {figures['lanes_last_post_complete_s']} s in lanes,"
        f" {figures['one_after_another_last_post_complete_s']} s one guild after another"
        f" (x{figures['speedup']}); 429s: {figures['lanes_rate_limited']} and"
        f" {figures['one_after_another_rate_limited']}",
        figures,
    )


if __name__ == "__main__":
    sys.exit(main())

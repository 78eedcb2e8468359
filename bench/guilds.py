"""Many-guilds benchmark: the cost of one community day per guild, from 1 guild to 1,000.

``python -m bench.guilds [--sizes 1,10,100,1000] [--quick] [--members N] [--hours N]``.
For each size, on a fresh fleet: a local emulator in this process holds N guilds of
``--members`` members and an admin each, and the six programs (bus, telemetry, gateway,
scheduler, voice, web) run as processes logged in to it, sharing one calendar with it
(``SQUADTIME_CLOCK`` for the processes, a ``CalendarClock`` for the emulator). Each admin
sets up the daily message (window, post time 06:00 UTC, channel), several guilds at a time.

The calendar is planned before the fleet starts, as one day:

* at real pace up to 06:00, the post time: ``--lead`` real seconds for the start and the
  set-up (the run stops when the set-up overruns it, as it must: the day would start early);
* at real pace from 06:00 for ``--busy`` real seconds: every guild's message goes out with
  one reaction per hour, at the pace Discord allows reactions, and as soon as a guild's
  message has all its reactions its members click two hours each, within a second;
* then fast (``--speed`` calendar seconds a real second) to the end of the day, so the
  window's hours pass and the fleet does what it does as each hour begins.

The day's cost is read from 06:00 (after the set-up, the fleet idle) to midnight:

* CPU seconds of each program (utime + stime from ``/proc/<pid>/stat``);
* database bytes: the telemetry database's growth, as row bytes (SQLite's ``dbstat``: the
  payload of its tables and indexes) and as pages in use;
* Discord requests: the REST requests the emulator logged (its request recorder);
* click to edit, p50 and p99: from a member's reaction to the answer to the first edit of
  the daily message that lists them in that hour (read afterwards from the request log);
* memory: RSS and PSS of each program at the end of the day.

The ratio that matters: each cost per guild-day at N guilds over the same at 1 guild,
measured in the same run (the latencies are compared as they are, not divided). Any ratio
over 1.3 is a wall: it is printed, and the exit status is 1. The last line printed is one
JSON object with the figures; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Figures, in_private_dir, percentile, pss_bytes, report, rss_bytes
from bench.common import service_env as base_env
from bus.clock import SETTING, Calendar, Pace, wall_time
from emulator import Emulator
from emulator.rules.clock import CalendarClock
from emulator.rules.state import Channel, Guild, Member
from services.scheduler.lanes import LANES

PROGRAMS = ("bus", "telemetry", "gateway", "scheduler", "voice", "web")
MODULES = {name: "bus" if name == "bus" else f"services.{name}" for name in PROGRAMS}
BOUND = 1.3
"""The most a cost per guild-day may grow from 1 guild to N."""
POST = datetime(2026, 3, 10, 6, tzinfo=UTC)
"""The post time of every guild's daily message: the start of the measured day."""
MIDNIGHT = POST.replace(hour=0) + timedelta(days=1)
WINDOW_START = 18
"""The play window's first hour (UTC): after the busy morning, the hours pass at speed."""
CLICKS_PER_MEMBER = 2
CLICK_SPREAD = 1.0
"""Real seconds over which a guild's members click, once its message has its reactions."""
SET_UP_AT_ONCE = 8
"""Guilds whose admins set up at the same time."""
STEP = 60.0
"""Real seconds for one step: the fleet's commands registered, a command's answer."""
POLL = 0.05
SETTLE = 2.0
STOP_TIMEOUT = 30.0
MANAGE_GUILD = 1 << 5
POSTED_ROUTE = "/channels/{channel_id}/messages"
EDIT_ROUTE = "/channels/{channel_id}/messages/{message_id}"
REACT_ROUTE = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"
HOUR_LINE = re.compile(r"^\S+ <t:\d+:t>")
COSTS = ("cpu_s", "db_row_bytes", "requests", "pss_bytes")
"""The costs divided by the guild count, then compared with 1 guild's."""
LATENCIES = ("click_to_edit_p50_s", "click_to_edit_p99_s")
COLUMNS = (
    "guilds",
    "members",
    "ready_s",
    "set_up_s",
    "busy_s",
    "busy_overran",
    "clicks",
    "clicks_shown",
    "cpu_s",
    "cpu_s_by_program",
    "db_row_bytes",
    "db_page_bytes",
    "requests",
    "http_429",
    *LATENCIES,
    "rss_bytes_by_program",
    "pss_bytes_by_program",
    "pss_bytes",
    "per_guild_day",
)
"""Every size's figures have these keys."""


class BenchFailed(Exception):
    """The run could not measure a day; the message says why."""


@dataclass(frozen=True, slots=True)
class Settings:
    sizes: tuple[int, ...] = (1, 10, 100, 1000)
    members: int = 5
    hours: int = 3
    lead: float | None = None
    busy: float | None = None
    speed: float = 1_200.0
    seed: int = 31

    def lead_for(self, guilds: int) -> float:
        """Real seconds from the fleet's start to the post time: start-up, then set-up."""
        return self.lead if self.lead is not None else 90.0 + 0.6 * guilds

    def busy_for(self, guilds: int) -> float:
        """Real seconds at real pace after the post time: the posts and their reactions (about
        a second each, at Discord's pace per channel), ``LANES`` guilds at a time, then the
        clicks."""
        if self.busy is not None:
            return self.busy
        return 20.0 + 1.3 * math.ceil(guilds / LANES) * self.hours


@dataclass(slots=True)
class Community:
    """One guild as built in the emulator."""

    guild: Guild
    text: Channel
    admin: Member
    members: list[Member]
    message: int = 0
    reactions: int = 0


@dataclass(frozen=True, slots=True)
class Click:
    member: str
    message: int
    line: int
    """Which hour line of the message (the reactions' order)."""
    at: float


@dataclass(slots=True)
class Day:
    """What the day's driver did."""

    clicks: list[Click] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


# ------------------------------------------------------------------ /proc


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and of its children it waited for."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14 ... cstime field 17.
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def database_bytes(database: Path) -> tuple[int, int]:
    """(row bytes of every table and index, pages in use in bytes), read without writing."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (payload,) = db.execute("SELECT coalesce(sum(payload), 0) FROM dbstat").fetchone()
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        (size,) = db.execute("PRAGMA page_size").fetchone()
    return int(payload), int(pages) * int(size)


# ------------------------------------------------------------------ the fleet


def fleet_env(runtime: Path, emu: Emulator, calendar: Calendar) -> dict[str, str]:
    env = base_env(
        runtime,
        emu.api_url,
        emu.token,
        **{
            SETTING: calendar.setting(),
            "SQUADTIME_LOG_DIR": str(runtime / "log"),
            "SQUADTIME_WEB_PORT": "0",  # any free port: benchmarks run beside other work
            "DISCORD_CLIENT_ID": str(emu.oauth.client_id),
            "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
        },
    )
    env.pop("DISCORD_TOKEN_FILE", None)
    if emu.voice_server is not None:
        # The emulated voice gateway speaks TLS with a certificate made at its start.
        env["SQUADTIME_VOICE_CA_FILE"] = str(emu.voice.certificate.cert_file)
    return env


async def spawn(env: dict[str, str]) -> dict[str, asyncio.subprocess.Process]:
    return {
        name: await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            MODULES[name],
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sys.stderr.fileno(),  # stdout is for the summary and the JSON line
        )
        for name in PROGRAMS
    }


async def stop(processes: dict[str, asyncio.subprocess.Process]) -> None:
    """SIGTERM, then SIGKILL for any that does not end in time; reaped either way."""
    for process in processes.values():
        if process.returncode is None:
            process.terminate()
    for process in processes.values():
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


def alive(processes: dict[str, asyncio.subprocess.Process]) -> dict[str, int]:
    dead = [name for name, process in processes.items() if process.returncode is not None]
    if dead:
        raise BenchFailed(f"{', '.join(dead)} exited during the day")
    return {name: process.pid for name, process in processes.items()}


# ------------------------------------------------------------------ the guilds


def build(emu: Emulator, guilds: int, members: int) -> list[Community]:
    driver = emu.driver
    built = []
    for g in range(guilds):
        guild = driver.add_guild(f"Guild {g:04d}")
        admins = driver.add_role(guild, "Admins", permissions=MANAGE_GUILD)
        text = driver.add_text_channel(guild, "daily")
        admin = driver.add_member(guild, f"admin{g}", roles=[admins])
        players = [driver.add_member(guild, f"p{m}g{g}") for m in range(members)]
        built.append(Community(guild, text, admin, players))
    return built


async def answer(emu: Emulator, town: Community, command: str, **options: Any) -> str:
    """An admin's slash command, asked again while its owner is still starting."""
    async with asyncio.timeout(STEP):
        while True:
            outcome = await emu.driver.slash(town.admin, town.text, command, options)
            message = outcome.message
            if message is not None and message.loading:
                message = await emu.driver.settle(outcome, timeout=STEP)
            content = message.content if message is not None else (outcome.error or "")
            if not content.startswith("squadtime is busy"):
                return content
            await asyncio.sleep(0.3)  # the owning service is still starting


async def set_up(emu: Emulator, towns: list[Community], hours: int) -> None:
    """Every admin sets the window, the post time and the channel, a few guilds at a time."""
    gate = asyncio.Semaphore(SET_UP_AT_ONCE)

    async def one(town: Community) -> None:
        async with gate:
            await answer(emu, town, "config window", start=WINDOW_START, hours=hours)
            await answer(emu, town, "config time", time=f"{POST:%H:%M}")
            await answer(emu, town, "config channel", channel=town.text.id)

    await asyncio.gather(*(one(town) for town in towns))


# ------------------------------------------------------------------ the day


class Watcher:
    """Reads the emulator's request log as it grows: which guild's message is out with all
    its reactions; then that guild's members click."""

    def __init__(self, emu: Emulator, towns: list[Community], hours: int, seed: int) -> None:
        self.emu = emu
        self.hours = hours
        self.by_channel = {town.text.id: town for town in towns}
        self.by_message: dict[int, Community] = {}
        self.cursor = len(emu.requests)
        self.random = random.Random(seed)
        self.day = Day()
        self.ready = 0

    def scan(self) -> None:
        records = self.emu.requests.records
        for record in records[self.cursor :]:
            if record.status >= 300:
                continue
            if record.method == "POST" and record.route == POSTED_ROUTE:
                town = self.by_channel.get(int(record.params["channel_id"]))
                response = record.response
                if town is not None and isinstance(response, dict) and not town.message:
                    content = response.get("content")
                    if isinstance(content, str) and content.startswith("## Who plays"):
                        town.message = int(str(response["id"]))
                        self.by_message[town.message] = town
            elif record.method == "PUT" and record.route == REACT_ROUTE:
                found = self.by_message.get(int(record.params["message_id"]))
                if found is not None:
                    found.reactions += 1
                    if found.reactions == self.hours:
                        self.ready += 1
                        task = asyncio.create_task(self.click(found))
                        self.day.tasks.add(task)
                        task.add_done_callback(self.day.tasks.discard)
        self.cursor = len(records)

    async def click(self, town: Community) -> None:
        """Each member clicks two hours, the guild's members within a second."""
        driver = self.emu.driver
        emojis = [r.emoji for r in driver.message(town.message, town.admin).reactions]
        starts = sorted(self.random.uniform(0, CLICK_SPREAD) for _ in town.members)
        began = time.monotonic()
        for index, (member, start) in enumerate(zip(town.members, starts, strict=True)):
            await asyncio.sleep(max(0.0, began + start - time.monotonic()))  # pacing clicks
            for k in range(CLICKS_PER_MEMBER):
                line = (index + k) % len(emojis)
                at = time.monotonic()
                await driver.react(member, town.message, emojis[line])
                user = self.emu.world.users[member.user_id]
                self.day.clicks.append(Click(user.username, town.message, line, at))


def latencies(emu: Emulator, clicks: list[Click], since: int) -> list[float]:
    """Seconds from each click to the answer to the first edit that lists the member in
    that hour (clicks never shown are left out)."""
    edits: dict[int, list[tuple[float, list[str]]]] = {}
    for record in emu.requests.records[since:]:
        if record.method != "PATCH" or record.route != EDIT_ROUTE or record.status >= 300:
            continue
        body = record.body
        content = body.get("content") if isinstance(body, dict) else None
        if isinstance(content, str):
            lines = [line for line in content.splitlines() if HOUR_LINE.match(line)]
            edits.setdefault(int(record.params["message_id"]), []).append((record.at, lines))
    found = []
    for click in clicks:
        for at, lines in edits.get(click.message, []):
            if (
                at >= click.at
                and click.line < len(lines)
                and listed(click.member, lines[click.line])
            ):
                found.append(at - click.at)
                break
    return found


def listed(name: str, line: str) -> bool:
    """Whether an hour line (``🇦 <t:..:t> · **2** · ann 👍, bob 👍``) names ``name``."""
    players = line.split(" · ", 2)[2] if line.count(" · ") >= 2 else ""
    return any(player.rsplit(" ", 1)[0] == name for player in players.split(", "))


# ------------------------------------------------------------------ one size


def private_tree(runtime: Path) -> None:
    """A size's own folder for the bus's sockets, the database and the logs (0700)."""
    runtime.mkdir(mode=0o700)
    (runtime / "log").mkdir()


def say(started: float, what: str) -> None:
    print(f"[{time.monotonic() - started:7.1f} s] {what}", file=sys.stderr)


async def one_size(settings: Settings, guilds: int, runtime: Path) -> Figures:
    started = time.monotonic()
    private_tree(runtime)
    lead, busy = settings.lead_for(guilds), settings.busy_for(guilds)
    fast_from = POST + timedelta(seconds=busy)
    calendar = Calendar(
        [
            Pace((POST - timedelta(seconds=lead)).timestamp(), 1.0),
            Pace(fast_from.timestamp(), settings.speed),
        ],
        at=wall_time(),
    )
    database = runtime / "data" / "telemetry.db"
    async with Emulator(clock=CalendarClock(calendar)) as emu:
        towns = build(emu, guilds, settings.members)
        processes = await spawn(fleet_env(runtime, emu, calendar))
        try:
            await emu.driver.wait_until(
                lambda: "config" in {c.name for c in emu.world.commands.values()}, timeout=STEP
            )
            ready = time.monotonic() - started
            say(started, f"{guilds} guilds: the fleet is ready")
            await set_up(emu, towns, settings.hours)
            set_up_s = time.monotonic() - started - ready
            left = calendar.real_delay(POST.timestamp())
            say(started, f"set up in {set_up_s:.1f} s; {left:.1f} s before the post time")
            if left < 1.0:
                raise BenchFailed(
                    f"set-up of {guilds} guilds ended {-left:.1f} s after the post time:"
                    f" raise --lead (to {lead - left + 20:.0f} or more)"
                )
            await calendar.sleep_until(POST.timestamp() - 0.5)
            pids = alive(processes)
            cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            rows_before, pages_before = await asyncio.to_thread(database_bytes, database)
            since = len(emu.requests)
            watcher = Watcher(emu, towns, settings.hours, settings.seed)
            day_began = time.monotonic()
            # The busy morning: the posts go out and the members click.
            while watcher.ready < guilds and calendar.now() < MIDNIGHT.timestamp():
                watcher.scan()
                await asyncio.sleep(POLL)  # the request log is read, not waited on
            if watcher.day.tasks:
                await asyncio.wait(watcher.day.tasks)
            busy_s = time.monotonic() - day_began
            overran = calendar.now() >= fast_from.timestamp()
            say(
                started,
                f"every message out and clicked in {busy_s:.1f} s"
                + (f" (over the {busy:.0f} s at real pace)" if overran else ""),
            )
            await calendar.sleep_until(MIDNIGHT.timestamp())
            await asyncio.sleep(SETTLE)  # room for the last edits
            pids = alive(processes)
            cpu = {
                name: round(cpu_seconds(pid) - cpu_before[name], 2) for name, pid in pids.items()
            }
            rss = {name: rss_bytes(pid) for name, pid in pids.items()}
            pss = {name: pss_bytes(pid) for name, pid in pids.items()}
            rows_after, pages_after = await asyncio.to_thread(database_bytes, database)
            day_requests = emu.requests.records[since:]
            say(started, "midnight: the day is over")
        finally:
            # Stop the bot while the emulator still answers, so nothing reconnects.
            await stop(processes)
        shown = latencies(emu, watcher.day.clicks, since)
    figures: Figures = {
        "guilds": guilds,
        "members": guilds * settings.members,
        "ready_s": round(ready, 1),
        "set_up_s": round(set_up_s, 1),
        "busy_s": round(busy_s, 1),
        "busy_overran": overran,
        "clicks": len(watcher.day.clicks),
        "clicks_shown": len(shown),
        "cpu_s": round(sum(cpu.values()), 2),
        "cpu_s_by_program": cpu,
        "db_row_bytes": rows_after - rows_before,
        "db_page_bytes": pages_after - pages_before,
        "requests": len(day_requests),
        "http_429": sum(1 for r in day_requests if r.status == 429),
        "click_to_edit_p50_s": round(percentile(shown, 0.5), 3) if shown else None,
        "click_to_edit_p99_s": round(percentile(shown, 0.99), 3) if shown else None,
        "rss_bytes_by_program": rss,
        "pss_bytes_by_program": pss,
        "pss_bytes": sum(pss.values()),
    }
    figures["per_guild_day"] = {cost: round(figures[cost] / guilds, 4) for cost in COSTS}
    return figures


# ------------------------------------------------------------------ the run


def ratios(sizes: list[Figures]) -> dict[str, dict[str, float | None]]:
    """Each size's cost per guild-day over 1 guild's, and its latencies over 1 guild's."""
    base = sizes[0]
    found: dict[str, dict[str, float | None]] = {}
    for size in sizes:
        mine: dict[str, float | None] = {}
        for cost in COSTS:
            one = base["per_guild_day"][cost]
            mine[cost] = round(size["per_guild_day"][cost] / one, 3) if one > 0 else None
        for latency in LATENCIES:
            one, at_n = base[latency], size[latency]
            mine[latency] = round(at_n / one, 3) if one and at_n is not None else None
        found[str(size["guilds"])] = mine
    return found


def largest_to_ten(sizes: list[Figures]) -> dict[str, float | None]:
    """The largest size's cost per guild-day over 10 guilds' (the issue's 1,000 : 10): what
    one more guild costs once a fleet serves several, without 1 guild's idle work shared."""
    by_count = {size["guilds"]: size for size in sizes}
    largest = max(by_count)
    if 10 not in by_count or largest <= 10:
        return {}
    ten, most = by_count[10]["per_guild_day"], by_count[largest]["per_guild_day"]
    return {cost: round(most[cost] / ten[cost], 3) if ten[cost] > 0 else None for cost in COSTS}


def over_bound(found: dict[str, dict[str, float | None]]) -> list[str]:
    return [
        f"{guilds} guilds: {what} x{ratio}"
        for guilds, mine in found.items()
        for what, ratio in mine.items()
        if ratio is not None and ratio > BOUND
    ]


async def measure(settings: Settings, runtime: Path) -> Figures:
    sizes = []
    for guilds in settings.sizes:
        sizes.append(await one_size(settings, guilds, runtime / f"guilds{guilds}"))
        print(table([sizes[-1]]).splitlines()[-1], file=sys.stderr)
    found = ratios(sizes)
    headline = largest_to_ten(sizes)
    if headline:
        found[f"{max(s['guilds'] for s in sizes)}:10"] = headline
    return {
        "bench": "guilds",
        "members_per_guild": settings.members,
        "hours": settings.hours,
        "speed": settings.speed,
        "bound": BOUND,
        "sizes": sizes,
        "ratios": found,
        "over_bound": over_bound(found),
    }


def table(sizes: list[Figures]) -> str:
    rows = [
        "guilds | CPU s/guild-day | DB row B/guild-day | requests/guild-day | click->edit p50/p99 s"
        " | PSS MiB (fleet) | ready s | busy s"
    ]
    for size in sizes:
        per = size["per_guild_day"]
        rows.append(
            f"{size['guilds']} | {per['cpu_s']:.3f} | {per['db_row_bytes']:.0f}"
            f" | {per['requests']:.1f}"
            f" | {size['click_to_edit_p50_s']}/{size['click_to_edit_p99_s']}"
            f" | {size['pss_bytes'] / 2**20:.1f} | {size['ready_s']} | {size['busy_s']}"
        )
    return "\n".join(rows)


def summary(figures: Figures) -> str:
    lines = [table(figures["sizes"]), "ratios to 1 guild (costs per guild-day; latencies as is):"]
    for guilds, mine in figures["ratios"].items():
        shown = ", ".join(f"{what} {ratio}" for what, ratio in mine.items())
        lines.append(f"  {guilds} guilds: {shown}")
    over = figures["over_bound"]
    lines.append(f"over {BOUND}: {'; '.join(over)}" if over else f"every ratio within {BOUND}")
    return "\n".join(lines)


def sizes_option(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of guild counts") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("guild counts must be at least 1")
    return sizes if sizes[0] == 1 else (1, *sizes)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m bench.guilds",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=sizes_option,
        default=defaults.sizes,
        help="guild counts, comma-separated; 1 is always measured, as the baseline"
        " (default 1,10,100,1000)",
    )
    parser.add_argument("--quick", action="store_true", help="only 1 and 10 guilds")
    parser.add_argument(
        "--members", type=int, default=defaults.members, help="members per guild (default 5)"
    )
    parser.add_argument(
        "--hours", type=int, default=defaults.hours, help="hours in the play window (default 3)"
    )
    parser.add_argument(
        "--lead", type=float, help="real seconds from start to the post (default 90 + 0.6 a guild)"
    )
    parser.add_argument(
        "--busy",
        type=float,
        help="real seconds at real pace after the post (default 20 + 1.3 a reaction)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=defaults.speed,
        help=f"calendar seconds a real second for the rest of the day (default {defaults.speed:g})",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="the clicks' seed")
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be at least 1")
    if not 2 <= args.hours <= 20:
        parser.error("--hours must be from 2 to 20")
    if not (args.speed > 0 and math.isfinite(args.speed)):
        parser.error("--speed must be a positive number")
    for name in ("lead", "busy"):
        value = getattr(args, name)
        if value is not None and not (value > 0 and math.isfinite(value)):
            parser.error(f"--{name} must be a positive number")
    settings = Settings(
        sizes=(1, 10) if args.quick else args.sizes,
        members=args.members,
        hours=args.hours,
        lead=args.lead,
        busy=args.busy,
        speed=args.speed,
        seed=args.seed,
    )
    try:
        figures = in_private_dir(lambda runtime: measure(settings, runtime))
    except BenchFailed as error:
        print(f"bench.guilds: {error}", file=sys.stderr)
        return 1
    report(summary(figures), figures)
    return 1 if figures["over_bound"] else 0


if __name__ == "__main__":
    sys.exit(main())

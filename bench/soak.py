"""Soak benchmark: a simulated month of a community against the whole supervised fleet.

``python -m bench.soak [--days N] [--members N] [--speed X]``. supervisord runs the
repo's supervisord.conf against a local emulator in this process, and the guild is set up
by its admin with slash commands, as in the ``./dev run`` demo (voice greetings on). The
community simulator then plays one warm-up day and N more days of marks and voice joins,
moves and leaves, as fast as the fleet keeps up: each day's actions are paced at ``speed``
simulated seconds per real second, the night between two days is skipped, and the next
day starts only once telemetry has recorded every voice stay of the day and the daily
message no longer lists a mark.

The services stamp what they record with the real clock, so two things are bent to make a
month fit into minutes. Telemetry keeps voice stays in whole real seconds and drops the
ones shorter than a second, so each member's voice changes are held at least
``VOICE_GAP`` real seconds apart (a stay costs the database the same bytes whatever its
length). And every simulated day falls on the same real date, whose daily message stays
the current one, so at the end of each day the members take their clicks back and the
next day's clicks arrive afresh, as they would on a new message.

Figures: per program, the resident memory once the warm-up day is done, in the middle of
the soak, after the last day, its peak, the growth ratio and the growth over the second
half (read after each day from the /proc of each pid supervisord reports; restarts are
counted); the number of voice greetings the bot connected for; the database size (pages
in use, as a reader sees it) at the end and per simulated day; then, after the fleet has
idled, the sum of the proportional set size (PSS) of supervisord and every process below
it, against the 200 MB goal for a small Raspberry Pi, once before and once after an admin
asks for a graph (which starts the telemetry's graph worker and leaves it running). The
last line printed is one JSON object with the figures.

The play window is placed around the real hour (see ``community_spec``), so the plan, and
with it the figures, shift a little with the time of day the soak is run at.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from admin.demo import Screen, configure, daily_message
from admin.fleet import CONFIG, PROGRAMS, Supervisor, tool
from bench.common import Figures, descendants, in_private_dir, pss_bytes, report, rss_bytes
from emulator import Emulator
from emulator.rules.options import OptionValue
from emulator.simulator.community import (
    Action,
    Community,
    CommunitySpec,
    Kind,
    Roster,
    consecutive_hours,
    plan_day,
)
from emulator.simulator.driver import Driver, Refused
from emulator.simulator.simclock import SimClock

GOAL_MB = 200.0
READY_TIMEOUT = 120.0
"""From supervisord's start to every program running and the commands registered."""
ANSWER_TIMEOUT = 30.0
CATCH_UP_TIMEOUT = 60.0
"""How long a day's records may lag behind the day's end before the day counts as lagging."""
GRAPH_TIMEOUT = 120.0
STOP_TIMEOUT = 90.0
"""supervisord stops the programs one after another, each allowed 10 s."""
VOICE_GAP = 2.0
"""Real seconds between two voice changes of one member: stays shorter than a second are
dropped by telemetry, and the gateway stamps a change when it hears it, which on a loaded
machine may be most of a second late for one change and not for the next."""
POLL = 0.1
TRANSITIONS = frozenset({Kind.JOIN, Kind.MOVE, Kind.LEAVE})
STAY_STARTS = frozenset({Kind.JOIN, Kind.MOVE})
CLICKED = re.compile(r" 👍(,|$)", re.MULTILINE)
"""A member listed as having clicked an hour (services/scheduler/render.py), not the legend."""
MB = 2**20
MULTIPROCESSING_ROLE = re.compile(r"from multiprocessing\.(\w+) import")
"""How a spawned worker (``spawn``) or the resource tracker names itself on its command line."""


@dataclass(frozen=True, slots=True)
class SoakSettings:
    """What the soak plays."""

    days: int = 30
    members: int = 40
    speed: float = 30_000.0
    seed: int = 7
    idle: float = 5.0
    graph: bool = True


@dataclass
class MemoryTrack:
    """One program's resident memory after each day of the soak (the first: after warm-up).

    Growth over the second half tells a cache filling up to its bound (it flattens) from a
    leak (it goes on).
    """

    pid: int
    samples: list[int]
    restarts: int = 0

    def sample(self, pid: int) -> None:
        if pid != self.pid:
            self.restarts += 1
            self.pid = pid
        self.samples.append(rss_bytes(pid))

    @property
    def growth(self) -> float:
        return self.samples[-1] / self.samples[0]

    def figures(self) -> dict[str, float]:
        start, end = self.samples[0], self.samples[-1]
        middle = self.samples[len(self.samples) // 2]
        return {
            "start": mb(start),
            "middle": mb(middle),
            "end": mb(end),
            "peak": mb(max(self.samples)),
            "growth": round(end / start, 3),
            "second_half_growth": round(end / middle, 3),
        }


@dataclass
class Tally:
    """What the simulation did, for the figures and the catch-up check."""

    played: int = 0
    skipped: int = 0
    stays: int = 0
    lagging_days: int = 0
    last_change: dict[str, float] = field(default_factory=dict)
    """Member -> the loop time of their latest voice change."""


def pace(actions: Iterable[Action], start: datetime, speed: float) -> list[tuple[float, Action]]:
    """When to play each action, in real seconds after ``start`` is reached.

    Simulated time is divided by ``speed``; then each member's voice changes are held at
    least ``VOICE_GAP`` apart (and a mute comes after the join before it). Members' actions
    keep their order; different members' may swap.
    """
    last_change: dict[str, float] = {}
    timed: list[tuple[float, Action]] = []
    for action in actions:
        at = max(0.0, (action.at - start).total_seconds() / speed)
        if action.member in last_change:
            previous = last_change[action.member]
            at = max(at, previous + VOICE_GAP if action.kind in TRANSITIONS else previous)
        if action.kind in TRANSITIONS:
            last_change[action.member] = at
        timed.append((at, action))
    return sorted(timed, key=lambda pair: pair[0])


def community_spec(settings: SoakSettings, now: datetime) -> CommunitySpec:
    """The simulated community, with a play window around the real hour.

    The scheduler counts voice presence and the voice service greets for the real current
    hour, so the window includes it: then joins add "in voice" marks and greetings speak.
    """
    spec = CommunitySpec(members=settings.members, seed=settings.seed, post_hour=0)
    hour = now.astimezone(ZoneInfo(spec.timezone)).hour
    return replace(spec, window_start_hour=min(max(hour - 4, 0), 24 - spec.window_hours))


# ------------------------------------------------------------------ the fleet


class Fleet:
    """supervisord and its programs in a private tree, logged in to the emulator."""

    def __init__(self, root: Path, emu: Emulator) -> None:
        self.runtime = root / "run"
        self.logs = root / "log"
        self.database = root / "data" / "telemetry.db"
        self.env = {
            **os.environ,
            "SQUADTIME_RUNTIME_DIR": str(self.runtime),
            "SQUADTIME_LOG_DIR": str(self.logs),
            "SQUADTIME_DATA_DIR": str(root / "data"),
            "SQUADTIME_DISCORD_API": emu.api_url,
            "DISCORD_TOKEN": emu.token,
            "SQUADTIME_WEB_PORT": "0",  # any free port: benchmarks run beside other work
            "DISCORD_CLIENT_ID": str(emu.oauth.client_id),
            "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
        }
        self.env.pop("DISCORD_TOKEN_FILE", None)
        if emu.voice_server is not None:
            # The emulated voice gateway speaks TLS with a certificate made at its start.
            self.env["SQUADTIME_VOICE_CA_FILE"] = str(emu.voice.certificate.cert_file)
        self._supervisor = Supervisor(self.runtime)
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.logs.mkdir()
        self.runtime.mkdir(mode=0o700)
        self.process = await asyncio.create_subprocess_exec(
            str(tool("supervisord")),
            "-c",
            str(CONFIG),
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )

    async def pids(self) -> dict[str, int]:
        """The running programs' pids, by name (asked in a thread: the emulator runs here)."""
        programs = await asyncio.to_thread(self._supervisor.programs)
        return {p.name: p.pid for p in programs if p.state == "RUNNING" and p.pid}

    async def running(self) -> dict[str, int]:
        """Every program's pid, once all of them run."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            with contextlib.suppress(Exception):
                pids = await self.pids()
                if set(pids) == set(PROGRAMS):
                    return pids
            if time.monotonic() > deadline:
                raise RuntimeError(f"the fleet did not start within {READY_TIMEOUT:.0f} s")
            await asyncio.sleep(0.5)  # supervisord's socket appears and programs start

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


# ------------------------------------------------------------------ the guild


async def admin_says(driver: Driver, roster: Roster, command: str, **options: OptionValue) -> str:
    """An admin's slash command, asked again while its owner is still starting; its answer."""
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while True:
        outcome = await driver.slash(roster.admin, roster.text, command, options)
        message = outcome.message
        if message is not None and message.loading:
            message = await driver.settle(outcome, timeout=ANSWER_TIMEOUT)
        content = message.content if message is not None else (outcome.error or "")
        if not content.startswith("squadtime is busy") or time.monotonic() > deadline:
            return content
        await asyncio.sleep(0.3)  # the owning service is still starting


async def set_up(driver: Driver, community: Community) -> None:
    """Wait for the bot's commands, configure the guild as the demo does, turn greetings on."""
    roster = community.roster

    def registered() -> bool:
        return {"config", "stats"} <= {c.name for c in driver.world.commands.values()}

    await driver.wait_until(registered, timeout=READY_TIMEOUT)
    await configure(driver, community.spec, roster, Screen(sys.stderr))
    answer = await admin_says(driver, roster, "config greetings", enabled=True)
    print(f"/config greetings: {answer.splitlines()[0] if answer else 'ok'}", file=sys.stderr)
    await driver.wait_until(
        lambda: (m := daily_message(driver, roster)) is not None and bool(m.reactions),
        timeout=ANSWER_TIMEOUT,
    )


# ------------------------------------------------------------------ playing


def stays_recorded(database: Path, members: frozenset[int]) -> tuple[int, int]:
    """The community's voice stays in the database: (all of them, those still open)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT members.user_id, voice_stays.seconds IS NULL FROM voice_stays"
            " JOIN members ON members.id = voice_stays.member"
        ).fetchall()
    mine = [is_open for user_id, is_open in rows if user_id in members]
    return len(mine), sum(mine)


def database_bytes(database: Path) -> int:
    """The database's size in pages in use, as a reader sees it (the WAL included)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        (size,) = db.execute("PRAGMA page_size").fetchone()
    return int(pages) * int(size)


async def play_day(community: Community, day: date, speed: float, tally: Tally) -> None:
    """Play one day's plan in real time, then end it: everyone leaves, clicks are taken back."""
    driver, roster, spec = community.driver, community.roster, community.spec
    zone = ZoneInfo(spec.timezone)
    loop = asyncio.get_running_loop()
    begun = loop.time()
    start = datetime.combine(day, datetime.min.time(), zone) + timedelta(hours=spec.post_hour)
    for at, action in pace(plan_day(spec, day), start, speed):
        await asyncio.sleep(max(0.0, begun + at - loop.time()))  # pacing the simulation
        if await community.perform(action):
            tally.played += 1
            tally.stays += action.kind in STAY_STARTS
        else:
            tally.skipped += 1
        if action.kind in TRANSITIONS:
            tally.last_change[action.member] = loop.time()
    in_voice = [
        name
        for name, member in roster.members.items()
        if member.user_id in roster.guild.voice_states
    ]
    for name in sorted(in_voice, key=lambda n: tally.last_change.get(n, 0.0)):
        due = tally.last_change.get(name, 0.0) + VOICE_GAP
        await asyncio.sleep(max(0.0, due - loop.time()))  # the stay must last a real second
        await driver.leave_voice(roster.members[name])
        tally.last_change[name] = loop.time()
    daily = daily_message(driver, roster)
    if daily is None:
        return
    ids = {member.user_id: member for member in roster.members.values()}
    for reaction in daily.reactions:
        for user_id in reaction.users:
            if user_id in ids:
                with contextlib.suppress(Refused):
                    await driver.unreact(ids[user_id], daily.id, reaction.emoji)


async def caught_up(fleet: Fleet, community: Community, tally: Tally) -> str:
    """Wait until every stay is recorded and closed and no click is listed; else what lags."""
    driver, roster = community.driver, community.roster
    members = frozenset(member.user_id for member in roster.members.values())
    deadline = time.monotonic() + CATCH_UP_TIMEOUT
    while True:
        recorded, still_open = await asyncio.to_thread(stays_recorded, fleet.database, members)
        daily = daily_message(driver, roster)
        clicks_shown = daily is not None and CLICKED.search(daily.content) is not None
        if recorded >= tally.stays and not still_open and not clicks_shown:
            return ""
        if time.monotonic() > deadline:
            return (
                f"{recorded} of {tally.stays} voice stays recorded, {still_open} open,"
                f" clicks {'still' if clicks_shown else 'no longer'} listed"
            )
        await asyncio.sleep(POLL)  # the database is a fact outside this process


# ------------------------------------------------------------------ memory


def fleet_pss(supervisord: int, programs: dict[str, int]) -> dict[str, int]:
    """PSS of supervisord and every process below it, named by program (and child)."""
    owner = {child: name for name, pid in programs.items() for child in descendants(pid)}
    names = {pid: name for name, pid in programs.items()}
    found = {"supervisord": pss_bytes(supervisord)}
    for pid in descendants(supervisord):
        try:
            if pid in names:
                name = names[pid]
            else:  # a program's child: the graph worker, a speech synthesiser
                name = f"{owner.get(pid, 'supervisord')}/{child_label(pid)}"
            found[name] = pss_bytes(pid)
        except OSError:  # a short-lived child exited meanwhile
            continue
    return found


def child_label(pid: int) -> str:
    """A child process's name: the multiprocessing role of a Python child, else its command."""
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    role = MULTIPROCESSING_ROLE.search(command)
    name = role.group(1) if role else Path(f"/proc/{pid}/comm").read_text().strip()
    return f"{name}[{pid}]"


async def idle_pss(fleet: Fleet, seconds: float) -> dict[str, int]:
    """Let the fleet idle (its timers and heartbeats go on), then read every PSS."""
    await asyncio.sleep(seconds)  # idling before the measure, not synchronisation
    assert fleet.process is not None
    return fleet_pss(fleet.process.pid, await fleet.pids())


async def draw_graph(driver: Driver, roster: Roster) -> str:
    """An admin asks for the community network graph; the first line of the answer."""
    outcome = await driver.slash(roster.admin, roster.text, "stats", {"graph": "community"})
    if outcome.failed:
        return f"failed: {outcome.error}"
    message = outcome.message
    if message is not None and message.loading:
        message = await driver.settle(outcome, timeout=GRAPH_TIMEOUT)
    if message is None:
        return "no answer"
    return f"{len(message.attachments)} attachment(s) {message.content[:60]!r}"


def file_bytes(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def mb(value: int) -> float:
    return round(value / MB, 1)


# ------------------------------------------------------------------ the soak


async def soak(settings: SoakSettings, root: Path) -> Figures:
    spec = community_spec(settings, datetime.now(ZoneInfo("UTC")))
    zone = ZoneInfo(spec.timezone)
    first_day = datetime.now(zone).date()
    async with Emulator() as emu:
        # The days are paced here (``play_day``), not by the community's own clock.
        clock = SimClock(datetime.combine(first_day, datetime.min.time(), zone))
        # Every simulated day falls on the real date: its message has the real date's hours.
        community = Community(emu.driver, spec, clock, hours=consecutive_hours(spec))
        community.build()
        fleet = Fleet(root, emu)
        await fleet.start()
        try:
            await fleet.running()
            await set_up(emu.driver, community)
            figures = await measure(settings, fleet, community, first_day)
            figures["voice_greetings_connected"] = emu.voice.identify_count
            return figures
        finally:
            await fleet.stop()


async def measure(
    settings: SoakSettings, fleet: Fleet, community: Community, first_day: date
) -> Figures:
    tally = Tally()
    say = sys.stderr
    await play_day(community, first_day - timedelta(days=1), settings.speed, tally)
    if lag := await caught_up(fleet, community, tally):
        raise RuntimeError(f"the warm-up day lags {CATCH_UP_TIMEOUT:.0f} s after its end: {lag}")
    tracks = {
        name: MemoryTrack(pid, [rss_bytes(pid)]) for name, pid in (await fleet.pids()).items()
    }
    database_start = await asyncio.to_thread(database_bytes, fleet.database)
    started = time.monotonic()
    for offset in range(settings.days):
        day_began = time.monotonic()
        await play_day(community, first_day + timedelta(days=offset), settings.speed, tally)
        if lag := await caught_up(fleet, community, tally):
            print(f"day {offset + 1} lags {CATCH_UP_TIMEOUT:.0f} s after its end: {lag}", file=say)
            tally.lagging_days += 1
        pids = await fleet.pids()
        for name, track in tracks.items():
            if name in pids:
                track.sample(pids[name])
        print(
            f"day {offset + 1}/{settings.days}: {time.monotonic() - day_began:.1f} s;"
            f" RSS {', '.join(f'{n} {mb(t.samples[-1])}' for n, t in tracks.items())} MiB",
            file=say,
        )
    real = time.monotonic() - started
    database_end = await asyncio.to_thread(database_bytes, fleet.database)
    members = frozenset(m.user_id for m in community.roster.members.values())
    recorded, _ = await asyncio.to_thread(stays_recorded, fleet.database, members)

    idle = await idle_pss(fleet, settings.idle)
    with_graph: dict[str, int] = {}
    if settings.graph:
        answer = await draw_graph(community.driver, community.roster)
        print(f"/stats graph:community: {answer}", file=say)
        with_graph = await idle_pss(fleet, settings.idle)
    worst = max(tracks, key=lambda name: tracks[name].growth)
    simulated = settings.days * 86_400
    figures: Figures = {
        "bench": "soak",
        "days": settings.days,
        "members": settings.members,
        "seed": settings.seed,
        "pace_speed": settings.speed,
        "real_seconds": round(real, 1),
        "speedup": round(simulated / real),
        "actions_played": tally.played,
        "actions_skipped": tally.skipped,
        "voice_stays_played": tally.stays,
        "voice_stays_recorded": recorded,
        "lagging_days": tally.lagging_days,
        "rss_mb": {name: track.figures() for name, track in tracks.items()},
        "rss_max_growth": round(tracks[worst].growth, 3),
        "rss_max_growth_program": worst,
        "restarts": {name: track.restarts for name, track in tracks.items()},
        "db_kb": round(database_end / 1024, 1),
        "db_file_kb": round(fleet.database.stat().st_size / 1024, 1),
        "db_wal_kb": round(
            file_bytes(fleet.database.with_name(fleet.database.name + "-wal")) / 1024, 1
        ),
        "db_kb_per_day": round((database_end - database_start) / 1024 / settings.days, 2),
        "idle_pss_mb": mb(sum(idle.values())),
        "idle_pss_by_process_mb": {name: mb(size) for name, size in idle.items()},
        "pss_goal_mb": GOAL_MB,
    }
    if with_graph:
        figures["idle_pss_with_graph_worker_mb"] = mb(sum(with_graph.values()))
        figures["idle_pss_with_graph_worker_by_process_mb"] = {
            name: mb(size) for name, size in with_graph.items()
        }
    # The goal holds for the fleet as it idles. The graph worker is counted apart: it lives
    # only while graphs are being asked for, and stops after two minutes without work.
    figures["within_goal"] = sum(idle.values()) / MB <= GOAL_MB
    return figures


def summary(figures: Figures) -> str:
    graph = figures.get("idle_pss_with_graph_worker_mb")
    worst = figures["rss_max_growth_program"]
    return (
        f"{figures['days']} simulated days of {figures['members']} members in"
        f" {figures['real_seconds']} s ({figures['speedup']}x);"
        f" RSS growth at most x{figures['rss_max_growth']} ({worst},"
        f" x{figures['rss_mb'][worst]['second_half_growth']} over the second half);"
        f" database {figures['db_kb']} KB, {figures['db_kb_per_day']} KB per day;"
        f" idle fleet PSS {figures['idle_pss_mb']} MB"
        + (
            f" ({graph} MB while a graph worker lives, up to 2 min after a /stats)"
            if graph is not None
            else ""
        )
        + f" against a {figures['pss_goal_mb']:.0f} MB goal"
        + ("" if figures["within_goal"] else " (over it)")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak and print the figures; the last line is JSON."""
    defaults = SoakSettings()
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--days", type=int, default=defaults.days, help=f"simulated days (default {defaults.days})"
    )
    parser.add_argument(
        "--members",
        type=int,
        default=defaults.members,
        help=f"members of the community (default {defaults.members})",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=defaults.speed,
        help="simulated seconds per real second while a day is played; lower is gentler and"
        f" longer (default {defaults.speed:g}, about 2 s for a day's activity)",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="the community's seed (default 7)"
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=defaults.idle,
        help=f"seconds the fleet idles before its PSS is read (default {defaults.idle:g})",
    )
    parser.add_argument(
        "--no-graph",
        dest="graph",
        action="store_false",
        help="skip the /stats graph and the PSS reading with the graph worker",
    )
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    if args.members < 2:
        parser.error("--members must be at least 2")
    if not (args.speed > 0 and math.isfinite(args.speed)):
        parser.error("--speed must be a positive number")
    if args.idle < 0:
        parser.error("--idle must not be negative")
    settings = SoakSettings(
        days=args.days,
        members=args.members,
        speed=args.speed,
        seed=args.seed,
        idle=args.idle,
        graph=args.graph,
    )
    figures = in_private_dir(lambda root: soak(settings, root))
    return report(summary(figures), figures)


if __name__ == "__main__":
    sys.exit(main())

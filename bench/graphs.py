"""Benchmark of the telemetry graphs over a simulated year of voice sessions.

Measures, in one run and on the same data:

- shared time by the per-channel sweep against the brute-force comparison of every pair of
  presence intervals (on a time slice when the full set would take too long, extrapolated by
  the square of the number of intervals, and said so in the output);
- the time to run the analytics and draw each of the seven graphs (and a member's week) in the
  render worker process, over the year, with its PNG's size;
- the worker's peak resident memory.

Ends by printing one line of JSON with the figures.

    python -m bench.graphs [--members 300] [--sessions 200000] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from math import log
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    # Run as a script (python bench/graphs.py): make the project importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.telemetry.analytics.charts import GraphKind
from services.telemetry.analytics.export import GUILD_GRAPHS
from services.telemetry.analytics.options import StatsRequest
from services.telemetry.analytics.presence import ChannelPresence, presence_by_channel
from services.telemetry.analytics.report import GuildReport
from services.telemetry.analytics.sessions import (
    GuildClock,
    GuildDataset,
    Member,
    Period,
    Roster,
    VoiceSession,
)
from services.telemetry.analytics.shared import shared_time
from services.telemetry.analytics.shared_reference import shared_time_pairwise
from services.telemetry.analytics.worker import GraphWorker

GUILD = 1
AFK_CHANNEL = 999
CHANNELS = tuple(range(100, 112))
TIMEZONE = "Europe/Paris"
YEAR_START = datetime(2025, 1, 1, tzinfo=ZoneInfo(TIMEZONE))


@dataclass(frozen=True, slots=True)
class Figures:
    """What the benchmark reports."""

    members: int
    sessions: int
    presence_intervals: int
    sweep_seconds: float
    brute_intervals: int
    brute_seconds_measured: float
    brute_observed_exponent: float | None
    brute_seconds_full: float
    brute_extrapolated: bool
    sweep_speedup: float
    render_seven_seconds: float
    graph_seconds: dict[str, float]
    graph_png_bytes: dict[str, int]
    worker_peak_rss_mib: float


def simulate_year(members: int, sessions: int, seed: int) -> GuildDataset:
    """A seeded community: friend groups meet in voice in the evening, people come and go."""
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    users = list(range(1000, 1000 + members))
    roster = Roster.of(
        [Member(user, f"player{user - 1000:03d}") for user in users]
        + [Member(9000, "MusicBot", is_bot=True)]
    )
    groups = [users[start : start + 15] for start in range(0, members, 15)]
    activity = {user: rng.lognormvariate(0, 0.8) for user in users}
    channel_names = {channel: f"Squad {channel - 99}" for channel in CHANNELS}
    channel_names[AFK_CHANNEL] = "AFK"

    out: list[VoiceSession] = []
    while len(out) < sessions:
        team = rng.randrange(len(groups))
        group = groups[team]
        day = rng.randrange(365)
        evening = YEAR_START + timedelta(days=day, hours=rng.gauss(20.5, 2.0))
        meet = evening.astimezone(UTC)
        channel = rng.choice(CHANNELS) if rng.random() < 0.3 else CHANNELS[team % len(CHANNELS)]
        weights = [activity[user] for user in group]
        size = min(len(group), max(1, int(rng.expovariate(1 / 3.5))))
        for user in set(rng.choices(group, weights=weights, k=size)):
            start = meet + timedelta(minutes=rng.uniform(-20, 40))
            end = start + timedelta(minutes=rng.expovariate(1 / 80) + 2)
            where = AFK_CHANNEL if rng.random() < 0.03 else channel
            out.append(VoiceSession(GUILD, where, user, start, end))
        if rng.random() < 0.05:
            out.append(VoiceSession(GUILD, channel, 9000, meet, meet + timedelta(hours=1)))
    clock = GuildClock(GUILD, tz, AFK_CHANNEL)
    return GuildDataset(clock, roster, tuple(out[:sessions]), channel_names)


def _timed[T](job: Callable[[], T]) -> tuple[T, float]:
    began = time.perf_counter()
    result = job()
    return result, time.perf_counter() - began


def _slice(channels: dict[int, ChannelPresence], until: float) -> dict[int, ChannelPresence]:
    return {
        channel: {
            user: [span for span in spans if span[0] < until]
            for user, spans in users.items()
            if any(span[0] < until for span in spans)
        }
        for channel, users in channels.items()
    }


def _count(channels: dict[int, ChannelPresence]) -> int:
    return sum(len(spans) for users in channels.values() for spans in users.values())


@dataclass(frozen=True, slots=True)
class SharedTimeRace:
    """Sweep against brute force on the same presence intervals."""

    intervals: int
    sweep_seconds: float
    brute_intervals: int
    brute_seconds: float
    brute_full_estimate: float
    extrapolated: bool
    observed_exponent: float | None


def compare_shared_time(dataset: GuildDataset, brute_budget: int) -> SharedTimeRace:
    """Sweep on everything; brute force on everything or on a slice of ``brute_budget``.

    When sliced, brute force also runs on half the slice: the growth between the two gives the
    observed exponent, reported next to the quadratic extrapolation it should confirm.
    """
    everything = Period(YEAR_START - timedelta(days=1), YEAR_START + timedelta(days=400))
    channels = presence_by_channel(dataset.sessions, dataset.clock, dataset.roster, everything)
    swept, sweep_seconds = _timed(lambda: shared_time(channels))
    total = _count(channels)

    if total <= brute_budget:
        brute, brute_seconds = _timed(lambda: shared_time_pairwise(channels))
        _check_equal(swept, brute)
        return SharedTimeRace(
            total, sweep_seconds, total, brute_seconds, brute_seconds, False, None
        )

    # Time slices from the start of the year holding about brute_budget (and half as many)
    # intervals; the sweep is checked against brute force on the slice.
    starts = sorted(span[0] for users in channels.values() for s in users.values() for span in s)
    sliced = _slice(channels, starts[brute_budget])
    brute, brute_seconds = _timed(lambda: shared_time_pairwise(sliced))
    _check_equal(shared_time(sliced), brute)
    half = _slice(channels, starts[brute_budget // 2])
    _, half_seconds = _timed(lambda: shared_time_pairwise(half))
    measured = _count(sliced)
    exponent = log(brute_seconds / half_seconds) / log(measured / _count(half))
    estimate = brute_seconds * (total / measured) ** 2
    return SharedTimeRace(
        total, sweep_seconds, measured, brute_seconds, estimate, True, round(exponent, 2)
    )


def _check_equal(swept: dict[tuple[int, int], float], brute: dict[tuple[int, int], float]) -> None:
    # Same pieces, summed in a different order: equal up to rounding.
    if swept.keys() != brute.keys() or any(
        abs(swept[key] - brute[key]) > 1e-9 * max(1.0, brute[key]) for key in swept
    ):
        raise SystemExit("sweep and brute force disagree: the benchmark is void")


@dataclass(frozen=True, slots=True)
class Renders:
    """Time and PNG size of each graph drawn in the worker, and the worker's peak memory."""

    seconds: dict[str, float]
    png_bytes: dict[str, int]
    peak_rss: int


async def render_seven(dataset: GuildDataset, now: datetime, out_dir: Path) -> Renders:
    """Compute and draw the seven graphs over the year, and the busiest member's week, in the
    worker, one at a time (each with its own analytics, as ``/stats`` draws them)."""
    requests = [StatsRequest(kind, 365) for kind in GUILD_GRAPHS]
    busiest = GuildReport(dataset, now, 7).members_in_voice_this_week()[0]
    requests.append(StatsRequest(GraphKind.WEEK, member=busiest))
    seconds: dict[str, float] = {}
    sizes: dict[str, int] = {}
    async with GraphWorker() as worker:
        await worker.peak_rss_bytes()  # start the process outside the timing
        for request in requests:
            began = time.perf_counter()
            png = await worker.stats(request, dataset, now)
            seconds[request.kind.value] = round(time.perf_counter() - began, 2)
            sizes[request.kind.value] = len(png)
            (out_dir / f"{request.kind}.png").write_bytes(png)
        peak = await worker.peak_rss_bytes()
    return Renders(seconds, sizes, peak)


def run(members: int, sessions: int, seed: int, brute_budget: int, out_dir: Path) -> Figures:
    """The whole benchmark; prints progress on stderr."""

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    dataset, seconds = _timed(lambda: simulate_year(members, sessions, seed))
    say(f"simulated {len(dataset.sessions)} sessions of {members} members in {seconds:.1f} s")
    race = compare_shared_time(dataset, brute_budget)
    say(f"sweep over the year ({race.intervals} presence intervals): {race.sweep_seconds:.3f} s")
    if race.extrapolated:
        say(
            f"brute force is too slow for the whole year: measured on the first "
            f"{race.brute_intervals} intervals (a time slice) in {race.brute_seconds:.2f} s, "
            f"growth exponent observed on that slice {race.observed_exponent}; "
            f"EXTRAPOLATED to the year as x (n / {race.brute_intervals})^2: "
            f"{race.brute_full_estimate:.0f} s"
        )
    else:
        say(f"brute force over the year: {race.brute_seconds:.2f} s")
    now = YEAR_START + timedelta(days=365)
    out_dir.mkdir(parents=True, exist_ok=True)
    renders = asyncio.run(render_seven(dataset, now, out_dir))
    render_seconds, peak = sum(renders.seconds.values()), renders.peak_rss
    for name, took in renders.seconds.items():
        say(f"  {name:<11} {took:6.2f} s  {renders.png_bytes[name] / 1024:6.0f} KiB PNG")
    say(f"seven graphs and a week (analytics + drawing) in the worker: {render_seconds:.1f} s")
    say(f"  -> {out_dir}")
    say(f"worker peak RSS: {peak / 2**20:.0f} MiB")
    return Figures(
        members=members,
        sessions=len(dataset.sessions),
        presence_intervals=race.intervals,
        sweep_seconds=round(race.sweep_seconds, 4),
        brute_intervals=race.brute_intervals,
        brute_seconds_measured=round(race.brute_seconds, 3),
        brute_observed_exponent=race.observed_exponent,
        brute_seconds_full=round(race.brute_full_estimate, 1),
        brute_extrapolated=race.extrapolated,
        sweep_speedup=round(race.brute_full_estimate / race.sweep_seconds, 1),
        render_seven_seconds=round(render_seconds, 2),
        graph_seconds=renders.seconds,
        graph_png_bytes=renders.png_bytes,
        worker_peak_rss_mib=round(peak / 2**20, 1),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run, print the JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.graphs",
        description=(
            "Shared-time sweep against brute force, rendering time of the seven graphs and "
            "the render worker's peak memory, on a simulated year of voice sessions."
        ),
    )
    parser.add_argument("--members", type=int, default=300, help="members (default 300)")
    parser.add_argument("--sessions", type=int, default=200_000, help="sessions (200000)")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    parser.add_argument(
        "--brute-budget",
        type=int,
        default=8000,
        help="most intervals given to brute force before slicing and extrapolating (8000)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("/tmp/squadtime-bench-graphs"),
        help="folder for the PNGs (default /tmp/squadtime-bench-graphs)",
    )
    args = parser.parse_args(argv)
    figures = run(args.members, args.sessions, args.seed, args.brute_budget, args.out)
    print(json.dumps({"bench": "graphs", **asdict(figures)}))


if __name__ == "__main__":
    main()

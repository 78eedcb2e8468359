"""Benchmark of the telemetry graphs over a simulated year of voice sessions.

Measures, in one run and on the same data:

- shared time by the per-channel sweep against the brute-force comparison of every pair of
  presence intervals (on a time slice when the full set would take too long, extrapolated by
  the square of the number of intervals, and said so in the output);
- the time to run the analytics and draw each of the seven graphs (and a member's week) over
  the year, as PNG and as SVG, with each image's size, against the same graphs drawn by a
  baseline commit (PNG only: the graphs before they were redrawn for issue 27) on the same
  data in the same run; each tree is timed in a fresh process (``bench.graph_timing``), the
  two alternating ``--rounds`` times, the best time of each graph kept;
- the drawing process's peak resident memory, today's and the baseline's.

Ends by printing one line of JSON with the figures.

    python -m bench.graphs [--members 300] [--sessions 200000] [--seed 7] [--baseline REF]
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from math import log
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    # Run as a script (python bench/graphs.py): make the project importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import baseline_tree
from services.telemetry.analytics.presence import ChannelPresence, presence_by_channel
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

GUILD = 1
AFK_CHANNEL = 999
CHANNELS = tuple(range(100, 112))
TIMEZONE = "Europe/Paris"
YEAR_START = datetime(2025, 1, 1, tzinfo=ZoneInfo(TIMEZONE))
ROOT = Path(__file__).resolve().parent.parent
BASELINE = "1bb053ff4c36cfe18abc85080f5831a879b01d8b"
"""The commit before issue 27 redrew the graphs (1200 x 800 px at 100 dpi, PNG only)."""
BASELINE_GRAPHS = ("community", "duos", "voice-time", "inactive", "weekdays", "months", "timeline")
"""The graphs ``BASELINE`` draws, by its names for them."""
SLOWER_AT_MOST = 1.5
"""The issue's bound: no graph more than 1.5 times slower to draw than the baseline's."""


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
    baseline: str
    graphs: dict[str, dict[str, float]]
    """Per graph: the baseline's PNG and today's PNG and SVG, seconds and bytes, and ratios."""
    slowest_png_vs_baseline: float
    peak_rss_mib: dict[str, float]


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


def _timed_tree(tree: Path, dataset: Path, now: datetime, formats: str, out: Path) -> Timings:
    script = ROOT / "bench" / "graph_timing.py"
    command = [sys.executable, str(script), str(tree), str(dataset), now.isoformat()]
    command += ["365", formats, str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tree)
    found: Timings = json.loads(done.stdout)
    return found


type Timings = dict[str, object]


def _best(runs: list[Timings]) -> tuple[dict[str, dict[str, float]], int]:
    """Each graph's least time over the runs (its bytes do not change), and the peak RSS."""
    graphs: dict[str, dict[str, float]] = {}
    for timings in runs:
        per_graph = timings["graphs"]
        assert isinstance(per_graph, dict)
        for name, row in per_graph.items():
            kept = graphs.setdefault(name, dict(row))
            for key, value in row.items():
                kept[key] = min(kept[key], value) if key.endswith("seconds") else value
    peak = max(int(str(timings["peak_rss_bytes"])) for timings in runs)
    return graphs, peak


def counterparts(old: Iterable[str]) -> dict[str, str]:
    """Today's graph names, each to the baseline's graph that draws the same thing.

    Before issue 27 a member's week was called ``timeline``, and the weekly timeline of every
    member did not exist: today's ``week`` is compared with that ``timeline``, and today's
    ``timeline`` with nothing."""
    names = list(old)
    if "week" in names:
        return {name: name for name in names}
    return {**{name: name for name in names if name != "timeline"}, "week": "timeline"}


def compare_renders(
    dataset: GuildDataset, now: datetime, baseline: str, rounds: int, out_dir: Path
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Today's graphs (PNG and SVG) against the baseline's (PNG), alternating the trees."""
    with tempfile.TemporaryDirectory(prefix="squadtime-bench-") as scratch:
        folder = Path(scratch)
        pickled = folder / "dataset.pickle"
        pickled.write_bytes(pickle.dumps(dataset))
        old_tree = baseline_tree(baseline, folder)
        old_runs: list[Timings] = []
        new_runs: list[Timings] = []
        for _ in range(rounds):
            old_runs.append(_timed_tree(old_tree, pickled, now, "png", out_dir / "baseline"))
            new_runs.append(_timed_tree(ROOT, pickled, now, "png,svg", out_dir))
    old, old_peak = _best(old_runs)
    new, new_peak = _best(new_runs)
    graphs: dict[str, dict[str, float]] = {}
    counterpart = counterparts(old)
    for name, row in new.items():
        was = old.get(counterpart.get(name, ""))
        merged = dict(row)
        if was is not None:
            merged["baseline_png_seconds"] = was["png_seconds"]
            merged["baseline_png_bytes"] = was["png_bytes"]
            merged["png_vs_baseline"] = round(row["png_seconds"] / was["png_seconds"], 2)
            merged["svg_vs_baseline"] = round(row["svg_seconds"] / was["png_seconds"], 2)
        merged["svg_bytes_vs_png"] = round(row["svg_bytes"] / row["png_bytes"], 2)
        graphs[name] = merged
    peaks = {"baseline": round(old_peak / 2**20, 1), "now": round(new_peak / 2**20, 1)}
    return graphs, peaks


@dataclass(frozen=True, slots=True)
class Settings:
    """What to simulate and what to compare with."""

    members: int = 300
    sessions: int = 200_000
    seed: int = 7
    brute_budget: int = 8000
    baseline: str = BASELINE
    rounds: int = 2
    out: Path = Path("/tmp/squadtime-bench-graphs")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _report_renders(graphs: dict[str, dict[str, float]], peaks: dict[str, float]) -> float:
    """Print one line per graph; return the slowest PNG's time against the baseline's."""
    _say("graph        baseline PNG      today PNG        today SVG        (analytics + drawing)")
    for name, row in graphs.items():
        was = (
            f"{row['baseline_png_seconds']:5.2f} s {row['baseline_png_bytes'] / 1024:5.0f} KiB"
            if "baseline_png_seconds" in row
            else "     (a new graph)  "
        )
        _say(
            f"  {name:<10} {was}  {row['png_seconds']:5.2f} s {row['png_bytes'] / 1024:5.0f} KiB"
            f"  {row['svg_seconds']:5.2f} s {row['svg_bytes'] / 1024:5.0f} KiB"
            f"  PNG x{row.get('png_vs_baseline', float('nan')):.2f}"
            f" SVG x{row.get('svg_vs_baseline', float('nan')):.2f}"
        )
    slowest = max(row.get("png_vs_baseline", 0.0) for row in graphs.values())
    verdict = "within" if slowest <= SLOWER_AT_MOST else "OVER"
    _say(f"slowest PNG against the baseline's: x{slowest:.2f} ({verdict} x{SLOWER_AT_MOST})")
    _say(f"drawing process peak RSS: baseline {peaks['baseline']} MiB, now {peaks['now']} MiB")
    return slowest


def run(settings: Settings) -> Figures:
    """The whole benchmark; prints progress on stderr."""
    dataset, seconds = _timed(
        lambda: simulate_year(settings.members, settings.sessions, settings.seed)
    )
    _say(
        f"simulated {len(dataset.sessions)} sessions of {settings.members} members"
        f" in {seconds:.1f} s"
    )
    race = compare_shared_time(dataset, settings.brute_budget)
    _say(f"sweep over the year ({race.intervals} presence intervals): {race.sweep_seconds:.3f} s")
    if race.extrapolated:
        _say(
            f"brute force is too slow for the whole year: measured on the first "
            f"{race.brute_intervals} intervals (a time slice) in {race.brute_seconds:.2f} s, "
            f"growth exponent observed on that slice {race.observed_exponent}; "
            f"EXTRAPOLATED to the year as x (n / {race.brute_intervals})^2: "
            f"{race.brute_full_estimate:.0f} s"
        )
    else:
        _say(f"brute force over the year: {race.brute_seconds:.2f} s")
    now = YEAR_START + timedelta(days=365)
    settings.out.mkdir(parents=True, exist_ok=True)
    _say(
        f"drawing the graphs: baseline {settings.baseline[:12]} and today, {settings.rounds} rounds"
    )
    graphs, peaks = compare_renders(dataset, now, settings.baseline, settings.rounds, settings.out)
    slowest = _report_renders(graphs, peaks)
    _say(f"  -> {settings.out}")
    return Figures(
        members=settings.members,
        sessions=len(dataset.sessions),
        presence_intervals=race.intervals,
        sweep_seconds=round(race.sweep_seconds, 4),
        brute_intervals=race.brute_intervals,
        brute_seconds_measured=round(race.brute_seconds, 3),
        brute_observed_exponent=race.observed_exponent,
        brute_seconds_full=round(race.brute_full_estimate, 1),
        brute_extrapolated=race.extrapolated,
        sweep_speedup=round(race.brute_full_estimate / race.sweep_seconds, 1),
        baseline=settings.baseline,
        graphs=graphs,
        slowest_png_vs_baseline=slowest,
        peak_rss_mib=peaks,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run, print the JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.graphs",
        description=(
            "Shared-time sweep against brute force; drawing time and size of the seven graphs "
            "as PNG and SVG against a baseline commit's PNGs; on a simulated year."
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
        "--baseline",
        default=BASELINE,
        help="commit whose graphs are the baseline (default: before issue 27 redrew them)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds per tree (default 2)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("/tmp/squadtime-bench-graphs"),
        help="folder for the images (default /tmp/squadtime-bench-graphs)",
    )
    args = parser.parse_args(argv)
    settings = Settings(
        members=args.members,
        sessions=args.sessions,
        seed=args.seed,
        brute_budget=args.brute_budget,
        baseline=args.baseline,
        rounds=args.rounds,
        out=args.out,
    )
    print(json.dumps({"bench": "graphs", **asdict(run(settings))}))


if __name__ == "__main__":
    main()

"""The soak benchmark, shrunk to two days of six members: it runs and its figures make sense."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = {"bus", "telemetry", "gateway", "scheduler", "voice", "web"}

pytestmark = pytest.mark.fleet


@pytest.mark.timeout(300)
def test_a_tiny_soak_ends_with_sane_figures() -> None:
    """Two simulated days: every stay is recorded, nothing restarts, the JSON line is complete."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--days", "2", "--members", "6", "--idle", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *_, summary, last = done.stdout.strip().splitlines()
    figures = json.loads(last)
    assert summary.startswith("2 simulated days of 6 members")
    assert (figures["bench"], figures["days"], figures["members"]) == ("soak", 2, 6)
    assert figures["real_seconds"] > 0
    assert figures["speedup"] > 1000
    assert figures["actions_played"] > 0
    assert figures["voice_stays_recorded"] == figures["voice_stays_played"] > 0
    assert figures["lagging_days"] == 0
    assert set(figures["rss_mb"]) == PROGRAMS
    for name, rss in figures["rss_mb"].items():
        assert 5 < rss["start"] <= rss["peak"] < 500, name
        assert 0.5 < rss["growth"] < 2, name
    assert figures["restarts"] == dict.fromkeys(PROGRAMS, 0)
    assert 0 < figures["db_kb"] < 10_000
    assert figures["db_kb_per_day"] >= 0
    idle = figures["idle_pss_by_process_mb"]
    assert {"supervisord", *PROGRAMS} <= set(idle)
    assert figures["idle_pss_mb"] == pytest.approx(sum(idle.values()), abs=0.5)
    assert 20 < figures["idle_pss_mb"] < 1000
    with_worker = figures["idle_pss_with_graph_worker_by_process_mb"]
    assert any(name.startswith("telemetry/spawn") for name in with_worker), with_worker
    assert figures["idle_pss_with_graph_worker_mb"] > figures["idle_pss_mb"]
    assert figures["within_goal"] == (figures["idle_pss_mb"] <= figures["pss_goal_mb"])

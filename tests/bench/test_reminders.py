"""The reminder benchmark, shrunk to 20 members: it runs and its figures hold the invariants."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMBERS = 20

pytestmark = pytest.mark.fleet


@pytest.mark.timeout(300)
def test_a_small_run_delivers_every_reminder_once_without_a_429() -> None:
    """20 members due at the same minute: 20 DMs, none twice, no 429, all recorded as sent."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.reminders", "--members", str(MEMBERS), "--lead", "75"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *_, summary, last = done.stdout.strip().splitlines()
    figures = json.loads(last)
    assert summary.startswith(f"{MEMBERS} of {MEMBERS} reminders delivered, 0 twice, 0 429s")
    assert (figures["bench"], figures["members"]) == ("reminders", MEMBERS)
    assert figures["in_time"] is figures["all_delivered"] is True
    assert figures["delivered"] == figures["recorded_sent"] == MEMBERS
    assert figures["duplicates"] == figures["recorded_dropped"] == figures["recorded_claimed"] == 0
    assert figures["http_429"] == figures["http_429_from_due"] == 0
    assert figures["requests_per_dm"] == 2.0
    assert 0 <= figures["due_to_first_dm_s"] <= figures["due_to_median_dm_s"]
    assert figures["due_to_median_dm_s"] <= figures["due_to_last_dm_s"]
    # 40 requests fit in Discord's first burst of 50: no floor to compare with.
    assert (figures["floor_s"], figures["last_dm_to_floor_ratio"]) == (0.0, None)
    for moment in ("before", "after"):
        assert 5 < figures[f"scheduler_idle_rss_{moment}_mb"] < 500

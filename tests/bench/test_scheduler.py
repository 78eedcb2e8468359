"""The scheduler benchmark's bursts, shrunk to 5 members and without the floods: it runs
and its figures hold the invariants."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MEMBERS = 5

pytestmark = pytest.mark.fleet


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.scheduler", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )


@pytest.mark.timeout(300)
def test_a_small_run_shows_every_answer_with_fewer_edits_than_answers() -> None:
    """5 members click two hours; 5 more react with one hour and say maybe for another: each
    burst ends with the final text, in fewer edits than answers, after the last answer."""
    done = _bench("--members", str(MEMBERS), "--mixed", str(MEMBERS), "--no-flood")
    assert done.returncode == 0, done.stderr[-3000:]
    *_, clicks_line, mixed_line, last = done.stdout.strip().splitlines()
    figures = json.loads(last)
    assert clicks_line.startswith(f"{2 * MEMBERS} clicks in ")
    assert mixed_line.startswith(f"{MEMBERS} members in and maybe in ")
    assert (figures["bench"], figures["clicks"]) == ("scheduler", 2 * MEMBERS)
    assert 1 <= figures["edits"] <= figures["clicks"]
    assert figures["last_click_to_final_text_s"] is not None
    assert figures["last_click_to_final_text_s"] >= 0
    assert figures["mixed_members"] == figures["mixed_maybes_saved"] == MEMBERS
    assert figures["mixed_answers"] == 2 * MEMBERS
    assert 1 <= figures["mixed_edits"] <= figures["mixed_answers"]
    assert figures["mixed_last_answer_to_final_text_s"] is not None
    assert figures["mixed_last_answer_to_final_text_s"] >= 0
    assert (
        figures["mixed_last_answer_to_final_text_s"]
        <= (figures["mixed_last_answer_to_last_edit_s"])
    )
    assert not any(key.startswith("flood_") for key in figures)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--mixed", "0"], "--members and --mixed must be at least 1"),
        (["--mixed", "many"], "invalid int value"),
        (["--members", "0"], "--members and --mixed must be at least 1"),
        (["--spread", "0"], "--spread must be positive"),
    ],
)
def test_bad_sizes_are_refused_before_anything_starts(args: list[str], error: str) -> None:
    """A size that is no positive count, or a spread that is not positive: a usage error."""
    done = _bench(*args)
    assert done.returncode == 2
    assert error in done.stderr

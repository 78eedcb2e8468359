"""The voice benchmark, shrunk to one greeting each way: it runs and its figures hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.fleet


@pytest.mark.timeout(200)
def test_a_small_run_times_the_first_decryptable_frame_beside_the_plain_one() -> None:
    """One greeting with DAVE and one without: both timed (the DAVE one to a frame the member
    decrypted), each from the join and from the bot's voice IDENTIFY."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.voice", "--greetings", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *_, summary, last = done.stdout.strip().splitlines()
    figures = json.loads(last)
    assert summary.startswith("join -> first decryptable frame p50")
    assert (figures["bench"], figures["greetings"]) == ("voice", 1)
    dave = figures["join_to_first_decryptable_frame_p50_ms"]
    plain = figures["join_to_first_packet_without_dave_p50_ms"]
    assert 0 < figures["identify_to_first_decryptable_frame_p50_ms"] < dave
    assert 0 < figures["identify_to_first_packet_without_dave_p50_ms"] < plain
    # The ratio is taken before the milliseconds are rounded to a tenth (each off by 0.05 at
    # most), then rounded to a hundredth itself.
    ratio = dave / plain
    off = 0.005 + ratio * (0.05 / dave + 0.05 / plain) + 1e-9
    assert figures["dave_over_without_p50_ratio"] == pytest.approx(ratio, abs=off)
    assert 5 < figures["voice_idle_rss_mb"] <= figures["voice_speaking_rss_mb"] < 500

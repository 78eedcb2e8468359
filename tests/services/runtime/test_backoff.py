"""Crash-loop back-off: free restarts first, then doubling waits up to a cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.runtime.backoff import MAX_DELAY, WINDOW, note_start, start_delay


@pytest.mark.parametrize(
    ("recent", "expected"),
    [
        ([], 0.0),
        ([990.0, 995.0], 0.0),
        ([980.0, 990.0, 995.0], 5.0),
        ([970.0, 980.0, 990.0, 995.0], 10.0),
        ([900.0 + i for i in range(20)], MAX_DELAY),
        ([1000.0 - WINDOW - 1] * 10, 0.0),  # old starts no longer count
    ],
)
def test_start_delay(recent: list[float], expected: float) -> None:
    """The wait before a start, from the times of earlier starts (now = 1000)."""
    assert start_delay(recent, now=1000.0) == expected


def test_ledger_counts_starts(short_tmp: Path) -> None:
    """Each start is written down; the fourth quick start must wait."""
    ledger = short_tmp / "gateway.starts"
    delays = [note_start(ledger, now=100.0 + i) for i in range(4)]
    assert delays == [0.0, 0.0, 0.0, 5.0]


def test_corrupt_ledger_is_forgotten(short_tmp: Path) -> None:
    """A torn ledger file (power cut mid-write) counts as no earlier starts."""
    ledger = short_tmp / "voice.starts"
    ledger.write_text("[1.0, 2")
    assert note_start(ledger, now=10.0) == 0.0

"""Crash-loop back-off: a process that keeps dying waits longer before each start.

supervisord restarts a crashed process at once. For the gateway and voice
services every start costs one IDENTIFY of the bot's daily allowance (1,000),
so a crash loop must slow down by itself. Each start is noted in a small file
in the runtime directory; several starts within ``WINDOW`` mean a wait,
doubling up to a cap, before connecting anywhere. At the cap a loop costs
about 300 starts a day, well inside the allowance.
"""

from __future__ import annotations

import json
from pathlib import Path

from bus.clock import wall_time

WINDOW = 600.0  # starts older than this no longer count
FREE_STARTS = 3  # this many recent starts cost nothing
FIRST_DELAY = 5.0
MAX_DELAY = 300.0


def start_delay(recent_starts: list[float], now: float) -> float:
    """How long to wait before this start, given the times of recent starts."""
    count = sum(1 for started in recent_starts if now - started < WINDOW)
    if count < FREE_STARTS:
        return 0.0
    return min(FIRST_DELAY * 2.0 ** (count - FREE_STARTS), MAX_DELAY)


def note_start(ledger: Path, now: float | None = None) -> float:
    """Record a start in ``ledger`` and return how long to wait before it."""
    now = wall_time() if now is None else now
    try:
        starts = [float(t) for t in json.loads(ledger.read_text())]
    except (OSError, ValueError, TypeError):
        starts = []
    starts = [t for t in starts if now - t < WINDOW]
    delay = start_delay(starts, now)
    starts.append(now)
    ledger.write_text(json.dumps(starts))
    return delay

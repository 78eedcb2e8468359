"""What the benchmarks share: memory readings, percentiles, a private bus directory, the report."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

type Figures = dict[str, Any]


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, in bytes, from /proc."""
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def percentile(samples: list[float], share: float) -> float:
    """The sample below which ``share`` of them lie (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def in_private_dir(measure: Callable[[Path], Coroutine[Any, Any, Figures]]) -> Figures:
    """Run ``measure`` with a fresh 0700 directory for the bus's sockets, as in production."""
    with tempfile.TemporaryDirectory(prefix="sqt-bench-", dir="/tmp") as raw:
        runtime = Path(raw)
        runtime.chmod(0o700)
        return asyncio.run(measure(runtime))


def report(summary: str, figures: Figures) -> int:
    """Print a line for people, then the figures as the JSON line that ends every benchmark."""
    print(summary)
    print(json.dumps(figures))
    return 0

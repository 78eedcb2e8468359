"""What a process reports in its heartbeat."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Counters:
    """Running totals since the process started."""

    handled: int = 0  # events handled and requests answered
    dropped: int = 0  # bad frames, late requests, overflow
    retried: int = 0  # records and requests sent again

"""Noticing that gateway events may have been missed, from the gateway's heartbeats.

Reactions reach the scheduler as plain events: when the broker restarts, or the
scheduler's connection to it drops for a while, they are lost without a trace. The
gateway's heartbeats travel the same way every few seconds, so a silence longer than a
few heartbeats, a gateway that started anew, or a subscriber that had to connect to the
broker again since the last heartbeat (a broker restart, however quick) says "you may have
missed something": the scheduler then reconciles its marks with the daily messages'
actual reactions. It does so at the first heartbeat after the trouble, which proves the
path from the gateway is whole again.
"""

from __future__ import annotations

from dataclasses import dataclass

MISSED_BEATS = 3  # heartbeats that may be late before a silence counts as a gap


@dataclass(slots=True)
class Pulse:
    """The gateway's heartbeats as this process received them."""

    interval: float  # seconds between heartbeats
    last: float = 0.0  # monotonic time of the last heartbeat received, 0 before the first
    started: float = 0.0  # when the gateway process that sent it started
    connections: int = 0  # the subscriber's connections to the broker at that heartbeat

    def beat(self, now: float, started: float, connections: int = 0) -> bool:
        """Note a heartbeat received at ``now``; True when events may have been missed."""
        gap = self.last > 0.0 and now - self.last > MISSED_BEATS * self.interval
        restarted = self.started > 0.0 and started != self.started
        reconnected = self.last > 0.0 and connections > self.connections
        self.last, self.started, self.connections = now, started, connections
        return gap or restarted or reconnected

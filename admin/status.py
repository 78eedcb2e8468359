"""``status``: each program's supervisord state and each service's latest heartbeat.

Healthy means every program is RUNNING and every service has sent a heartbeat from the
process supervisord is running now (a heartbeat from a previous pid does not count), and no
heartbeat names a trouble that keeps its service from its work (telemetry's "disk full").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from admin.errors import AdminError, Exit
from admin.fleet import PROGRAMS, SERVICES, ProgramState, Supervisor
from bus.client import BusClient
from bus.endpoints import EndpointError, endpoints_from_env
from bus.errors import BusError
from bus.protocol import Envelope, Heartbeat


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """One program's line in the status table."""

    name: str
    state: str
    pid: int
    uptime: float
    heartbeat_age: float | None
    handled: int = 0
    dropped: int = 0
    retried: int = 0
    queue_depth: int = 0
    unacked: int = 0
    rss_bytes: int = 0
    trouble: str = ""

    @property
    def up(self) -> bool:
        if self.state != "RUNNING":
            return False
        return self.name not in SERVICES or self.heartbeat_age is not None

    @property
    def healthy(self) -> bool:
        return self.up and not self.trouble


RETRY = 0.5  # seconds between looks while waiting to be healthy

type Beats = dict[str, tuple[Heartbeat, float]]
"""service -> its latest heartbeat and when it was sent."""


def combine(programs: Sequence[ProgramState], beats: Beats, now: float) -> list[ServiceStatus]:
    """Join supervisord's view with the heartbeats that come from the running pids."""
    rows: list[ServiceStatus] = []
    known = {p.name: p for p in programs}
    for name in PROGRAMS:
        program = known.get(name, ProgramState(name, "MISSING", 0, 0.0, "not configured"))
        beat, sent = beats.get(name, (None, 0.0))
        if beat is None or beat.pid != program.pid or program.state != "RUNNING":
            rows.append(ServiceStatus(name, program.state, program.pid, program.uptime, None))
            continue
        rows.append(
            ServiceStatus(
                name,
                program.state,
                program.pid,
                program.uptime,
                max(0.0, now - sent),
                beat.handled,
                beat.dropped,
                beat.retried,
                beat.queue_depth,
                beat.unacked,
                beat.rss_bytes,
                beat.trouble,
            )
        )
    return rows


async def _listen(env: Mapping[str, str], seconds: float, beats: Beats) -> None:
    """Collect heartbeats for up to ``seconds`` (less once every service has spoken)."""
    try:
        endpoints = endpoints_from_env(env, role="client")
    except EndpointError as error:
        raise AdminError(str(error), Exit.USAGE) from None
    client = BusClient("admin", endpoints)
    seen = asyncio.Event()

    async def note(batch: Sequence[Envelope]) -> None:
        for envelope in batch:
            if isinstance(envelope.body, Heartbeat):
                beats[envelope.body.service] = (envelope.body, envelope.time)
        if set(SERVICES) <= set(beats):
            seen.set()

    for service in SERVICES:
        client.subscribe(f"{service}.heartbeat")
    client.on_events(note)
    try:
        await client.start(timeout=min(seconds, 5.0))
    except BusError:
        return  # the broker is down: every service shows as without heartbeat
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(seen.wait(), seconds)
    finally:
        await client.close()


def collect(env: Mapping[str, str], listen: float) -> list[ServiceStatus]:
    """The fleet's status now, listening up to ``listen`` seconds for heartbeats."""
    programs = Supervisor.from_env(env).programs()
    beats: Beats = {}
    if listen > 0 and any(p.name == "bus" and p.state == "RUNNING" for p in programs):
        asyncio.run(_listen(env, listen, beats))
        programs = Supervisor.from_env(env).programs()
    return combine(programs, beats, time.time())


def table(rows: Sequence[ServiceStatus]) -> str:
    """The status as people read it."""
    header = (
        f"{'service':<10} {'state':<9} {'pid':>7} {'uptime':>9}  {'bus':<5}"
        f" {'handled':>8} {'dropped':>7} {'retried':>7} {'queue':>6} {'unacked':>7} {'rss':>8}"
    )
    lines = [header]
    for row in rows:
        bus = "up" if row.heartbeat_age is not None else "down"
        if row.name not in SERVICES:
            bus = "-"
        uptime = _duration(row.uptime) if row.state == "RUNNING" else "-"
        lines.append(
            f"{row.name:<10} {row.state:<9} {row.pid or '-':>7} {uptime:>9}  {bus:<5}"
            f" {row.handled:>8} {row.dropped:>7} {row.retried:>7} {row.queue_depth:>6}"
            f" {row.unacked:>7} {_mebibytes(row.rss_bytes):>8}"
            + (f"  {row.trouble}" if row.trouble else "")
        )
    verdict = (
        "healthy"
        if all(r.healthy for r in rows)
        else "NOT healthy: "
        + ", ".join(f"{r.name} ({r.trouble})" if r.up else r.name for r in rows if not r.healthy)
    )
    lines.append(verdict)
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:.1f}M" if size else "-"


def status(env: Mapping[str, str], *, listen: float, wait: float, as_json: bool) -> Exit:
    """Print the status; with ``wait``, keep looking until healthy or ``wait`` seconds pass."""
    deadline = time.monotonic() + wait
    while True:
        try:
            rows = collect(env, listen)
        except AdminError as error:
            # supervisord may still be starting (its socket not there yet): keep waiting.
            if error.code != Exit.UNREACHABLE or time.monotonic() >= deadline:
                raise
            time.sleep(RETRY)
            continue
        healthy = all(r.healthy for r in rows)
        if healthy or time.monotonic() >= deadline:
            break
        time.sleep(RETRY)  # a fleet without a bus answers at once: not a busy loop
    if as_json:
        print(json.dumps({"healthy": healthy, "services": [asdict(r) for r in rows]}))
    else:
        print(table(rows))
    return Exit.OK if healthy else Exit.FAILED

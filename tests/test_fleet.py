"""The whole fleet under supervisord: every program runs, heartbeats, and stops in time."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.errors import RequestTimeout
from bus.protocol import Envelope, Heartbeat, Ping, Pong
from tests.helpers import eventually, run, wait_until

pytestmark = pytest.mark.fleet

REPO = Path(__file__).resolve().parents[1]
PROGRAMS = ("bus", "telemetry", "gateway", "scheduler", "voice", "web")
SERVICES = ("telemetry", "gateway", "scheduler", "voice", "web")
STOPWAITSECS = 10


class Fleet:
    """supervisord running the repo's supervisord.conf in a private temporary tree,
    with the gateway logged in to an emulated Discord."""

    def __init__(self, root: Path, **overrides: str) -> None:
        self.runtime = root / "run"
        self.logs = root / "log"
        self.logs.mkdir()
        self.discord = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--token", "fleet-token"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.discord.stdout is not None
        discord_url = self.discord.stdout.readline().strip()  # the emulator's first line
        self.env = {
            **os.environ,
            "SQUADTIME_RUNTIME_DIR": str(self.runtime),
            "SQUADTIME_LOG_DIR": str(self.logs),
            "SQUADTIME_DATA_DIR": str(root / "data"),
            "SQUADTIME_HEARTBEAT_SECONDS": "0.3",
            "SQUADTIME_DISCORD_API": f"{discord_url}/api/v10",
            "DISCORD_TOKEN": "fleet-token",
            "SQUADTIME_WEB_PORT": "0",  # any free port: tests run side by side
            **overrides,
        }
        self.runtime.mkdir(mode=0o700)
        bin_dir = Path(sys.executable).parent
        self.supervisord = subprocess.Popen(
            [str(bin_dir / "supervisord"), "-c", str(REPO / "supervisord.conf")],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._ctl = [str(bin_dir / "supervisorctl"), "-c", str(REPO / "supervisord.conf")]

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            [*self._ctl, *args], env=self.env, capture_output=True, text=True, timeout=30
        )
        return done.stdout

    def states(self) -> dict[str, tuple[str, int]]:
        """program -> (state, pid) as supervisorctl reports it."""
        states: dict[str, tuple[str, int]] = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].startswith("squadtime:"):
                pid = int(parts[3].rstrip(",")) if parts[1] == "RUNNING" else 0
                states[parts[0].removeprefix("squadtime:")] = (parts[1], pid)
        return states

    def close(self) -> None:
        for process in (self.supervisord, self.discord):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self.discord.stdout is not None:
            self.discord.stdout.close()


@pytest.fixture
def fleet(short_tmp: Path) -> Iterator[Fleet]:
    """A running fleet; shut down afterwards whatever happened."""
    started = Fleet(short_tmp)
    yield started
    started.close()


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` still exists (and is not a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_fleet_runs_heartbeats_and_stops(fleet: Fleet) -> None:
    """Every program RUNNING, every service's heartbeat and Pong seen, stop all within bounds."""
    wait_until(
        lambda: all(fleet.states().get(p, ("", 0))[0] == "RUNNING" for p in PROGRAMS),
        30,
        "every program RUNNING",
    )
    pids = {name: pid for name, (_, pid) in fleet.states().items()}

    async def observe() -> dict[str, Heartbeat]:
        seen: dict[str, Heartbeat] = {}
        watcher = BusClient("admin", Endpoints.ipc(fleet.runtime))

        async def note(batch: Sequence[Envelope]) -> None:
            for envelope in batch:
                if isinstance(envelope.body, Heartbeat):
                    seen[envelope.body.service] = envelope.body

        for service in SERVICES:
            watcher.subscribe(f"{service}.heartbeat")
        watcher.on_events(note)
        async with watcher:
            # Five cold starts (nextcord, matplotlib, ...) on a loaded machine.
            await eventually(lambda: set(seen) == set(SERVICES), 60, "every service's heartbeat")
            for service in SERVICES:
                pong = await watcher.request(service, Ping(), expect=Pong, timeout=10)
                assert pong.pid == pids[service]
        return seen

    heartbeats = run(observe(), timeout=120)
    assert {hb.pid for hb in heartbeats.values()} == {pids[s] for s in SERVICES}
    assert all(hb.rss_bytes > 0 for hb in heartbeats.values())

    fleet.ctl("stop", "all")
    assert all(fleet.states()[p][0] == "STOPPED" for p in PROGRAMS)
    # Each stopped on its SIGTERM: supervisord sent no SIGKILL after STOPWAITSECS.
    assert "SIGKILL" not in (fleet.logs / "supervisord.log").read_text()
    assert not any(pid_alive(pid) for pid in pids.values())
    for program in SERVICES:
        log = (fleet.logs / f"{program}.log").read_text()
        assert f"{program} stopping" in log


async def test_stopped_service_fails_requests_fast(fleet: Fleet) -> None:
    """With the telemetry program stopped, a request to it fails at its deadline, before a
    request given a longer one (its deadline ends it, not a retry loop)."""
    wait_until(lambda: fleet.states().get("bus", ("", 0))[0] == "RUNNING", 30, "the bus")
    assert "stopped" in fleet.ctl("stop", "squadtime:telemetry")
    async with BusClient("admin", Endpoints.ipc(fleet.runtime)) as client:
        short = asyncio.create_task(client.request("telemetry", Ping(), expect=Pong, timeout=1.0))
        long = asyncio.create_task(client.request("telemetry", Ping(), expect=Pong, timeout=4.0))
        done, _ = await asyncio.wait({short, long}, return_when=asyncio.FIRST_COMPLETED)
        assert done == {short}
        for request in (short, long):
            with pytest.raises(RequestTimeout, match="telemetry"):
                await request


def test_a_refused_token_stops_the_gateway_once(short_tmp: Path) -> None:
    """Discord refuses the token: one start, one clear line, and supervisord leaves it down."""
    fleet = Fleet(short_tmp, DISCORD_TOKEN="not-the-token")
    try:
        wait_until(
            lambda: fleet.states().get("gateway", ("", 0))[0] == "EXITED", 30, "the gateway to exit"
        )
        wait_until(
            lambda: fleet.states().get("scheduler", ("", 0))[0] == "RUNNING", 30, "the scheduler"
        )
        log = (fleet.logs / "gateway.log").read_text()
        assert log.count("cannot start: Discord refused the bot token") == 1
        supervisor_log = (fleet.logs / "supervisord.log").read_text()
        assert supervisor_log.count("spawned: 'gateway'") == 1
        assert "exited: gateway (exit status 2; expected)" in supervisor_log
    finally:
        fleet.close()

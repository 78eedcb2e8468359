"""A service process's life: starts, answers, stops on SIGTERM, refuses bad settings."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import Envelope, FetchGuilds, Ping, Pong, Reply, Request
from services.runtime.logs import RedactingFilter
from services.runtime.service import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Runtime, answering
from services.runtime.settings import Settings
from tests.helpers import run


def _start(runtime_dir: Path, **extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SQUADTIME_RUNTIME_DIR": str(runtime_dir), **extra}
    return subprocess.Popen(
        [sys.executable, "-m", "services.scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_answers_and_stops_cleanly_on_sigterm(endpoints: Endpoints, short_tmp: Path) -> None:
    """The process answers Ping with its pid, then exits 0 on SIGTERM, saying so."""
    process = _start(short_tmp)

    async def ping() -> Pong:
        async with BusClient("admin", endpoints) as client:
            return await client.request("scheduler", Ping(), expect=Pong, timeout=10, attempts=10)

    try:
        assert run(ping()).pid == process.pid
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == EXIT_OK
    assert "scheduler stopping" in output


def test_bad_setting_exits_with_config_code(short_tmp: Path) -> None:
    """A malformed setting ends the process at once with code 2 (not restarted) and the reason."""
    process = _start(short_tmp, SQUADTIME_HEARTBEAT_SECONDS="often")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == EXIT_CONFIG
    assert "SQUADTIME_HEARTBEAT_SECONDS='often' is not a number of seconds" in output


def test_no_broker_fails_clearly(short_tmp: Path) -> None:
    """Without a bus the process gives up after its bus timeout with a clear line."""
    process = _start(short_tmp, SQUADTIME_BUS_TIMEOUT_SECONDS="1")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == EXIT_FAILED
    assert "is the bus process running?" in output


def test_help_describes_the_service() -> None:
    """``--help`` says what the process is and where its settings come from."""
    done = subprocess.run(
        [sys.executable, "-m", "services.telemetry", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "system of record" in done.stdout
    assert "SQUADTIME_RUNTIME_DIR" in done.stdout


class Stopping:
    """A service whose handler fails as the gateway's does when its Discord session closed."""

    name = "gateway"
    description = "A test service."

    async def setup(self, runtime: Runtime) -> None:
        """Nothing to set up."""

    async def run(self, runtime: Runtime) -> None:
        """No work of its own."""

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply:
        """Fail: the connection under it is gone."""
        raise ConnectionError("Connector is closed.")


async def test_a_request_failing_while_stopping_is_refused_quietly(
    short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler's failure during a stop is 'unavailable' with an INFO line; before, a bug."""
    caplog.set_level(logging.INFO)
    endpoints = Endpoints.ipc(short_tmp)
    settings = Settings(
        service="gateway", runtime_dir=short_tmp, data_dir=short_tmp, endpoints=endpoints
    )
    runtime = Runtime(settings, BusClient("gateway", endpoints), RedactingFilter())
    answer = answering(Stopping(), runtime)
    envelope = Envelope(id="a:1", source="scheduler", instance="a", seq=1, time=0.0, body=Ping())
    request = FetchGuilds()
    with pytest.raises(ConnectionError):
        await answer(envelope, request)
    runtime.stopping.set()
    with pytest.raises(RequestRefused) as refused:
        await answer(envelope, request)
    assert refused.value.code == ErrorCode.UNAVAILABLE
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "fetch_guilds not answered: gateway is stopping (Connector is closed.)")
    ]

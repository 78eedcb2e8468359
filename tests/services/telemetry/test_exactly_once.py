"""Voice events are stored exactly once through a SIGKILL of the telemetry process."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from tests.helpers import eventually
from tests.services.processes import ServiceProcess
from tests.services.telemetry.events import voice

pytestmark = pytest.mark.fleet

TOTAL = 10_000
MEMBERS = 50


@pytest.fixture
def telemetry(endpoints: Endpoints, short_tmp: Path) -> Iterator[ServiceProcess]:
    """A telemetry process on the test's broker."""
    started = ServiceProcess("telemetry", short_tmp, short_tmp / "data")
    yield started
    started.stop()


def counts(db: Path) -> tuple[int, int, int]:
    """(sessions, closed sessions, processed event ids) in the database."""
    with sqlite3.connect(db) as connection:
        sessions, closed = connection.execute(
            'SELECT count(*), count("end") FROM voice_sessions'
        ).fetchone()
        (processed,) = connection.execute("SELECT count(*) FROM processed_events").fetchone()
    connection.close()
    return sessions, closed, processed


@pytest.mark.within(110)
async def test_sigkill_mid_stream_stores_every_voice_event_once(
    telemetry: ServiceProcess, endpoints: Endpoints
) -> None:
    """10,000 joins and leaves with telemetry SIGKILLed mid-stream: each session stored once."""
    gateway = BusClient("gateway", endpoints, retry_after=0.3, retry_cap=1.0)
    start = time.time() - TOTAL * 10  # recent: within the repair window
    await gateway.start()
    # Every member joins then leaves, one second of event time apart, round after round.
    for n in range(TOTAL // 2):
        user = n % MEMBERS
        at = start + n * 10
        if n == TOTAL // 4:
            await eventually(
                lambda: (telemetry.data_dir / "telemetry.db").exists(),
                30,
                "the database created",
            )
            telemetry.kill_and_restart()
        gateway.record(voice(user, 0, 10 + user % 3, at))
        gateway.record(voice(user, 10 + user % 3, 0, at + 5))
        if n % 100 == 99:
            await asyncio.sleep(0.01)  # a busy evening, not one burst
    await eventually(lambda: gateway.unacked == 0, 90, "every voice event acknowledged")
    await gateway.close()
    gateway = gateway
    assert counts(telemetry.data_dir / "telemetry.db") == (TOTAL // 2, TOTAL // 2, TOTAL)
    assert gateway.counters.retried > 0  # the kill really cost deliveries
    with sqlite3.connect(telemetry.data_dir / "telemetry.db") as connection:
        (bad,) = connection.execute(
            'SELECT count(*) FROM voice_sessions WHERE "end" - start != 5'
        ).fetchone()
    connection.close()
    assert bad == 0

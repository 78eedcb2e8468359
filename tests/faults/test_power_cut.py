"""A power cut in the middle of writes: the database opens clean and keeps what it acknowledged.

The broker and telemetry are SIGKILLed at the same instant while a publisher records 10,000
voice events (the nearest a test gets to pulling the plug: ``synchronous=FULL`` is what makes
a commit survive the page cache too). Every event acknowledged before the cut must be in the
file the moment it is reopened; after a restart the rest arrives and each is stored once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
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


def _stored_ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:  # a writable open replays the WAL
        ids = {row[0] for row in connection.execute("SELECT id FROM processed_events")}
    connection.close()
    return ids


def _check(database: Path) -> tuple[str, int, int]:
    with sqlite3.connect(database) as connection:
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        sessions, closed = connection.execute(
            'SELECT count(*), count("end") FROM voice_sessions'
        ).fetchone()
    connection.close()
    return str(integrity), int(sessions), int(closed)


@pytest.mark.within(180)
async def test_a_power_cut_loses_nothing_acknowledged(short_tmp: Path) -> None:
    """Kill broker and telemetry together mid-stream; reopen; restart; all 10,000 once."""
    data = short_tmp / "data"
    database = data / "telemetry.db"
    broker = ServiceProcess("bus", short_tmp, data, module="bus")
    telemetry = ServiceProcess("telemetry", short_tmp, data)

    try:
        gateway = BusClient("gateway", Endpoints.ipc(short_tmp))
        await gateway.start(timeout=30)
        sent: set[str] = set()
        acknowledged: set[str] = set()
        on_disk: set[str] = set()
        start = time.time() - 86_400
        for n in range(TOTAL // 2):
            user, at = n % MEMBERS, start + n * 10
            if n == TOTAL // 4:
                await eventually(database.exists, 30, "the database created")
                await eventually(lambda: gateway.unacked < len(sent), 30, "some acknowledgements")
                broker.kill()
                telemetry.kill()
                acknowledged = sent - gateway.unacked_ids()
                on_disk = _stored_ids(database)
                broker.restart()
                telemetry.restart()
            for event in (voice(user, 0, 10, at), voice(user, 10, 0, at + 5)):
                sent.add(gateway.record(event).id)
            if n % 100 == 99:
                await asyncio.sleep(0.01)  # a busy evening, not one burst
        await eventually(lambda: gateway.unacked == 0, 120, "every voice event acknowledged")
        await gateway.close()
    finally:
        telemetry.stop()
        broker.stop()
    assert acknowledged, "the cut came before anything was acknowledged"
    assert acknowledged <= on_disk
    assert _check(database) == ("ok", TOTAL // 2, TOTAL // 2)
    assert len(_stored_ids(database)) == TOTAL

"""Recorded events reach the recorder at least once, and are stored once, through SIGKILLs."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bus.client import BusClient
from bus.codec import encode
from bus.endpoints import Endpoints
from bus.protocol import Note
from tests.helpers import eventually

pytestmark = pytest.mark.fleet

TOTAL = 10_000


class Processes:
    """Starts and SIGKILLs the broker and the recorder as real processes."""

    def __init__(self, runtime_dir: Path, db: Path) -> None:
        self.env = {**os.environ, "SQUADTIME_RUNTIME_DIR": str(runtime_dir)}
        self.db = db
        self.broker = self._spawn("bus")
        self.recorder = self._spawn("tests.bus.recorder_process", str(db))

    def _spawn(self, module: str, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", module, *args], env=self.env)

    def kill_recorder(self) -> None:
        self.recorder.send_signal(signal.SIGKILL)
        self.recorder.wait(5)
        self.recorder = self._spawn("tests.bus.recorder_process", str(self.db))

    def kill_broker(self) -> None:
        self.broker.send_signal(signal.SIGKILL)
        self.broker.wait(5)
        self.broker = self._spawn("bus")

    def stop(self) -> None:
        for process in (self.recorder, self.broker):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def processes(short_tmp: Path) -> Iterator[Processes]:
    """A broker and a recorder, each a real process."""
    started = Processes(short_tmp, short_tmp / "record.db")
    yield started
    started.stop()


def stored(db: Path, of: str | None = None) -> tuple[int, int, int]:
    """(rows, distinct values, repeats recognised) in the recorder's database; ``of`` counts
    only one event id's repeats."""
    with sqlite3.connect(db) as connection:
        rows, values = connection.execute(
            "SELECT count(*), count(DISTINCT value) FROM facts"
        ).fetchone()
        (repeats,) = connection.execute(
            "SELECT count(*) FROM repeats WHERE ? IS NULL OR id = ?", (of, of)
        ).fetchone()
    connection.close()
    return rows, values, repeats


@pytest.mark.within(110)
async def test_ten_thousand_records_survive_recorder_and_broker_kills(
    processes: Processes, short_tmp: Path
) -> None:
    """10,000 records while the recorder is SIGKILLed twice and the broker once: all stored once."""
    publisher = BusClient("load", Endpoints.ipc(short_tmp), retry_after=0.3, retry_cap=1.0)
    await publisher.start()
    harm = {
        2_000: processes.kill_recorder,
        5_000: processes.kill_broker,
        8_000: processes.kill_recorder,
    }
    for value in range(TOTAL):
        if value in harm:
            harm[value]()
        publisher.record(Note(key="load", value=value))
        if value % 100 == 99:
            await asyncio.sleep(0.01)  # a busy hour, not one burst
    await eventually(lambda: publisher.unacked == 0, 90, "every record acknowledged")
    await publisher.close()
    publisher = publisher
    rows, values, repeats = stored(processes.db)
    assert (rows, values) == (TOTAL, TOTAL)
    assert publisher.counters.retried > 0  # the kills really cost deliveries
    print(
        f"stored {rows} once each; {repeats} repeats recognised;"
        f" {publisher.counters.retried} re-sends"
    )


@pytest.mark.within(70)
async def test_repeated_event_is_recognised_by_id(processes: Processes, short_tmp: Path) -> None:
    """The same envelope delivered twice (an ack lost with the broker) is stored once."""
    publisher = BusClient("load", Endpoints.ipc(short_tmp), retry_after=0.2)
    await publisher.start()
    # A subscription takes a moment to reach a publisher: what is sent before is dropped and
    # later re-sent. A first note acknowledged means both hops are subscribed, so from here
    # every delivery arrives and each re-send below is a repeat the recorder must recognise.
    publisher.record(Note(key="warm", value=0))
    await eventually(lambda: publisher.unacked == 0, 20, "the path subscribed")
    before = publisher.counters.retried
    envelope = publisher.record(Note(key="once", value=7))
    await eventually(lambda: publisher.unacked == 0, 20, "the first delivery acked")
    resent = publisher.counters.retried - before  # a slow ack (a busy machine) re-sends
    publisher._send_raw("load.note", encode(envelope))  # the repeat, same id
    await eventually(
        lambda: stored(processes.db, of=envelope.id)[2] >= 1 + resent,
        20,
        "the repeat recognised",
    )
    await publisher.close()
    assert stored(processes.db)[:2] == (2, 2)
    assert stored(processes.db, of=envelope.id)[2] == 1 + resent

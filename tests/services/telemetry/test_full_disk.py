"""A full disk loses nothing: while writes fail nothing is acknowledged, then all is stored once."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import Envelope, Heartbeat
from services.telemetry.database import connect
from services.telemetry.health import DISK_FULL
from services.telemetry.ingest import Recorder
from tests.helpers import eventually
from tests.services.processes import ServiceProcess
from tests.services.telemetry.events import envelope, voice

A = 11  # a voice channel
STAYS = 400


def stored_stays(db: Path) -> list[tuple[int, int, int | None]]:
    """(user, start, end) of every voice session in the database at ``db``."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return connection.execute(
            'SELECT user_id, start, "end" FROM voice_sessions ORDER BY start, user_id'
        ).fetchall()


# ------------------------------------------------- the recorder, a commit refused by the disk


class FullDisk(sqlite3.Connection):
    """A connection whose commits fail as SQLite's do on a full disk, while ``full`` is set."""

    full = False

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if self.full and sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, parameters)


def test_a_batch_refused_at_commit_is_stored_whole_when_sent_again(tmp_path: Path) -> None:
    """A member's join whose commit failed, sent again with the leave once there is room: the
    stay is stored (a remembered, never stored open stay made the join look like a repeat)."""
    db = tmp_path / "telemetry.db"
    connect(db).close()
    connection = sqlite3.connect(db, isolation_level=None, factory=FullDisk)
    assert isinstance(connection, FullDisk)
    recorder = Recorder(connection)
    now = time.time()
    recorder.ingest(connection, [envelope(voice(1, 0, A, now - 600))], now)
    recorder.ingest(connection, [envelope(voice(1, A, 0, now - 500))], now)  # member 1 is known

    join = envelope(voice(1, 0, A, now - 300))
    connection.full = True
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        recorder.ingest(connection, [join], now)
    assert not connection.in_transaction
    connection.full = False
    recorder.ingest(connection, [join, envelope(voice(1, A, 0, now - 200))], now)
    connection.close()

    assert stored_stays(db) == [
        (1, int(now) - 600, int(now) - 500),
        (1, int(now) - 300, int(now) - 200),
    ]


# ------------------------------------------------------ the real thing: a filesystem filled up


@pytest.fixture
def small_disk(short_tmp: Path) -> Iterator[Path]:
    """A 4 MiB filesystem of its own (tmpfs), mounted for the test, so that it can be filled."""
    mount_point = short_tmp / "disk"
    mount_point.mkdir(mode=0o700)
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem to fill needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def fill(folder: Path) -> Path:
    """Write a file in ``folder`` until its filesystem has no room left; return it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as output:
        for chunk in (1 << 16, 1 << 12, 1 << 9):
            with contextlib.suppress(OSError):
                while True:
                    output.write(b"\0" * chunk)
    with pytest.raises(OSError, match="No space left on device") as full:
        (folder / "probe").write_bytes(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


class Heartbeats:
    """Telemetry's heartbeats as the admin tool hears them."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.beats: list[Heartbeat] = []
        self.client = BusClient("admin", endpoints)
        self.client.subscribe("telemetry.heartbeat")
        self.client.on_events(self._note)

    async def _note(self, batch: Sequence[Envelope]) -> None:
        self.beats.extend(e.body for e in batch if isinstance(e.body, Heartbeat))

    def trouble(self) -> str | None:
        """The last heartbeat's trouble ("" when all is well), or None before the first."""
        return self.beats[-1].trouble if self.beats else None


async def known_members(gateway: BusClient) -> float:
    """Every member joins and leaves once while there is room: the stays lost to the full
    disk will be known members'. Returns when they played (recent: within the repair window)."""
    now = time.time() - 2 * 3600
    for user in range(STAYS):
        gateway.record(voice(user, 0, A, now))
        gateway.record(voice(user, A, 0, now + 1))
    await eventually(lambda: gateway.unacked == 0, 30, "the first stays acknowledged")
    return now


async def everyone_joins_and_half_leave(gateway: BusClient, joined: float) -> None:
    for user in range(STAYS):
        gateway.record(voice(user, 0, A, joined + user))
        if user % 50 == 49:
            await asyncio.sleep(0.05)  # an evening, not one burst
    for user in range(STAYS // 2):
        gateway.record(voice(user, A, 0, joined + user + 5))


async def sent_again_and_never_acknowledged(gateway: BusClient, heartbeats: Heartbeats) -> None:
    """Every pending event is sent again a few times over, and still none is acknowledged."""
    retried = gateway.counters.retried
    await eventually(lambda: gateway.counters.retried >= retried + 4 * STAYS, 30, "re-sends")
    assert gateway.unacked == STAYS + STAYS // 2
    assert heartbeats.trouble() == DISK_FULL


def assert_every_stay_stored_once(db: Path) -> None:
    stays = stored_stays(db)
    assert len(stays) == 2 * STAYS
    assert len(set(stays)) == len(stays)
    assert all(end is not None and end - begin == 5 for _, begin, end in stays[STAYS:])
    with contextlib.closing(sqlite3.connect(db)) as connection:
        (processed,) = connection.execute("SELECT count(*) FROM processed_events").fetchone()
        (letters,) = connection.execute("SELECT count(*) FROM dead_letters").fetchone()
    assert (processed, letters) == (4 * STAYS, 0)


def assert_told_once(log: Path) -> None:
    """One ERROR line says the disk is full, one line that storing came back, no traceback."""
    lines = log.read_text().splitlines()
    told = [line for line in lines if "cannot store events" in line]
    assert len(told) == 1, told
    assert "disk full" in told[0]
    assert "ERROR" in told[0]
    assert sum("storing events again" in line for line in lines) == 1
    assert not [line for line in lines if "Traceback" in line or "handler failed" in line]


@pytest.mark.within(150)
@pytest.mark.fleet
@pytest.mark.timeout(180)
async def test_stays_sent_while_the_disk_is_full_are_all_stored_once_there_is_room(
    endpoints: Endpoints, short_tmp: Path, small_disk: Path
) -> None:
    """400 members join while the data disk is full, half of them leave: nothing acknowledged,
    the heartbeat says 'disk full', one log line says so; space comes back, the rest leave:
    all 400 stays are stored, each once."""
    data = small_disk / "data"
    log = short_tmp / "telemetry.log"
    env = {"SQUADTIME_HEARTBEAT_SECONDS": "0.2", "SQUADTIME_BACKUP_HOURS": "0"}
    telemetry = ServiceProcess("telemetry", short_tmp, data, env=env, log=log)
    heartbeats = Heartbeats(endpoints)
    try:
        gateway = BusClient("gateway", endpoints, retry_after=0.2, retry_cap=0.5)
        async with heartbeats.client, gateway:
            await eventually(lambda: heartbeats.trouble() == "", 30, "telemetry's first heartbeat")
            joined = await known_members(gateway) + 600
            filler = fill(small_disk)
            await everyone_joins_and_half_leave(gateway, joined)
            await eventually(
                lambda: heartbeats.trouble() == DISK_FULL, 30, "the heartbeat saying disk full"
            )
            await sent_again_and_never_acknowledged(gateway, heartbeats)
            filler.unlink()
            await eventually(lambda: gateway.unacked == 0, 60, "the joins acknowledged")
            for user in range(STAYS // 2, STAYS):
                gateway.record(voice(user, A, 0, joined + user + 5))
            await eventually(lambda: gateway.unacked == 0, 60, "every leave acknowledged")
            await eventually(lambda: heartbeats.trouble() == "", 30, "the heartbeat clear again")
    finally:
        telemetry.stop()
    assert_every_stay_stored_once(data / "telemetry.db")
    assert_told_once(log)

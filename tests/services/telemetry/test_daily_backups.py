"""Telemetry backs the database up by itself, keeps the newest, and copies each off the Pi."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from services.runtime.settings import SettingsError
from services.telemetry.backup import BackupError
from services.telemetry.daily_backups import (
    FIRST_AFTER,
    BackupPolicy,
    backup_name,
    backups_in,
    next_due,
    take_backup,
)
from tests.admin.sshd import ALIAS, start_sshd
from tests.helpers import wait_until

DAY = 86_400.0
NOW = 1_796_000_000.0  # a fixed real instant (2026-11-30 00:53:20 UTC)


def rows(database: Path) -> list[tuple[int, str]]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return list(connection.execute("SELECT id, name FROM probe ORDER BY id"))


@pytest.fixture
def database(connection: sqlite3.Connection, db_path: Path) -> Path:
    """A live database holding two rows of a table of the test's own."""
    connection.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, name TEXT)")
    connection.executemany("INSERT INTO probe VALUES (?, ?)", [(7, "Ana"), (8, "Ben")])
    return db_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_backup_is_a_private_copy_and_only_the_newest_are_kept(
    database: Path, short_tmp: Path
) -> None:
    """Each backup opens with the same data, 0600 in a 0700 folder; the oldest go past keep."""
    folder = short_tmp / "backups"
    policy = BackupPolicy(keep=2)
    made = [take_backup(database, folder, policy, NOW + day * DAY) for day in range(3)]
    assert backups_in(folder) == made[1:]
    assert rows(made[-1]) == [(7, "Ana"), (8, "Ben")]
    assert mode(made[-1]) == 0o600
    assert mode(folder) == 0o700
    assert made[0].name == backup_name(NOW) == "squadtime-20261130-005320.db"


def test_the_next_backup_is_a_day_after_the_newest_whatever_the_restarts(
    short_tmp: Path,
) -> None:
    """No backup yet: soon after start; otherwise a day after the newest file."""
    folder = short_tmp / "backups"
    policy = BackupPolicy(every=DAY)
    assert next_due(folder, policy, NOW) == NOW + FIRST_AFTER
    folder.mkdir()
    newest = folder / backup_name(NOW - 3600)
    newest.touch()
    os.utime(newest, (NOW - 3600, NOW - 3600))
    assert next_due(folder, policy, NOW) == NOW - 3600 + DAY
    assert next_due(folder, BackupPolicy(every=60), NOW) == NOW - 3600 + 60  # overdue: now


def test_each_backup_is_copied_to_a_mounted_stick(database: Path, short_tmp: Path) -> None:
    """copy_to a folder: the copy is there, private, and the stick keeps the newest too."""
    stick = short_tmp / "stick"
    stick.mkdir()
    policy = BackupPolicy(keep=1, copy_to=str(stick))
    take_backup(database, short_tmp / "backups", policy, NOW)
    last = take_backup(database, short_tmp / "backups", policy, NOW + DAY)
    assert [p.name for p in stick.iterdir()] == [last.name]
    assert mode(stick / last.name) == 0o600
    assert rows(stick / last.name) == rows(database)


def test_a_stick_that_is_not_mounted_costs_a_warning_not_the_backup(
    database: Path, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The local backup is kept and the log says why the copy failed."""
    policy = BackupPolicy(copy_to=str(short_tmp / "usb"))
    with caplog.at_level(logging.WARNING):
        made = take_backup(database, short_tmp / "backups", policy, NOW)
    assert made.exists()
    assert f"copying the backup to {short_tmp / 'usb'} failed" in caplog.text
    assert "is the USB stick mounted?" in caplog.text


def test_each_backup_is_copied_over_ssh(database: Path, short_tmp: Path) -> None:
    """copy_to host:folder: scp in batch mode puts the backup on the other host."""
    server = start_sshd(short_tmp / "ssh")
    try:
        remote = short_tmp / "elsewhere"
        remote.mkdir()
        policy = BackupPolicy(copy_to=f"{ALIAS}:{remote}", ssh_config=server.config)
        made = take_backup(database, short_tmp / "backups", policy, NOW)
        assert rows(remote / made.name) == rows(database)
    finally:
        server.close()


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("SQUADTIME_BACKUP_HOURS", "soon", "is not a number"),
        ("SQUADTIME_BACKUP_KEEP", "0", "must be between 1 and 1000"),
        ("SQUADTIME_BACKUP_COPY_TO", "usb/backups", "name an absolute folder or host:folder"),
    ],
)
def test_bad_backup_settings_are_refused(setting: str, value: str, reason: str) -> None:
    """Each bad setting names itself and says what it wants."""
    with pytest.raises(SettingsError, match=reason):
        BackupPolicy.from_env({setting: value})


@contextlib.contextmanager
def telemetry(data: Path, runtime: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m services.telemetry`` as supervisord runs it, its log to ``data``/log."""
    with (data / "log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.telemetry"],
            env={
                **os.environ,
                "SQUADTIME_RUNTIME_DIR": str(runtime),
                "SQUADTIME_DATA_DIR": str(data),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.mark.fleet
def test_the_telemetry_process_takes_its_backups_on_schedule(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Every SQUADTIME_BACKUP_HOURS a new backup; SQUADTIME_BACKUP_KEEP of them stay."""
    data = short_tmp / "data"
    data.mkdir()
    backups = data / "backups"
    # 0.0005 h = 1.8 s: three backups' worth in a few seconds
    with telemetry(data, short_tmp, SQUADTIME_BACKUP_HOURS="0.0005", SQUADTIME_BACKUP_KEEP="2"):
        wait_until(
            lambda: (data / "log").read_text().count("daily backup ") >= 3, 60, "three backups"
        )
    assert len(backups_in(backups)) == 2
    assert "2 kept, 1 older removed" in (data / "log").read_text()


def test_a_damaged_database_stops_telemetry_with_one_line_saying_how_to_restore(
    short_tmp: Path,
) -> None:
    """A file that is not a database: exit status 2 (supervisord does not restart it), one
    error line naming the file and the restore command, no traceback."""
    data = short_tmp / "data"
    data.mkdir()
    (data / "telemetry.db").write_bytes(b"this was a database before the SD card died" * 100)
    with telemetry(data, short_tmp) as process:
        assert process.wait(60) == 2
    log = (data / "log").read_text()
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) == 1, log
    assert f"the database {data / 'telemetry.db'} is damaged" in errors[0]
    assert "squadtime-admin restore BACKUP" in errors[0]
    assert "Traceback" not in log


def test_a_backup_that_fails_leaves_nothing_that_looks_like_one(short_tmp: Path) -> None:
    """A source SQLite cannot read: an error, and no file a reader would count or restore."""
    broken = short_tmp / "telemetry.db"
    broken.write_bytes(b"not a database" * 200)
    folder = short_tmp / "backups"
    with pytest.raises(BackupError):
        take_backup(broken, folder, BackupPolicy(), NOW)
    assert list(folder.iterdir()) == []

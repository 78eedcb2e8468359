"""migrate: the deploy's database step keeps a copy when the schema changes, and restores it."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
from pathlib import Path

from services.telemetry.schema import LATEST, migrate, schema_version
from tests.admin.conftest import admin


def version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return schema_version(connection)


def test_migrate_upgrades_keeps_a_copy_and_restore_puts_it_back(short_tmp: Path) -> None:
    """An old database reaches the latest schema; --restore brings back the old one (rollback)."""
    database = short_tmp / "data" / "telemetry.db"
    database.parent.mkdir()
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as connection:
        migrate(connection, target=1)
    env = {
        **os.environ,
        "SQUADTIME_DATA_DIR": str(database.parent),
        "SQUADTIME_RUNTIME_DIR": str(short_tmp / "run"),
    }
    done = admin("migrate", "--label", "r2", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["from"], report["to"]) == (1, LATEST)
    assert version(database) == LATEST
    assert version(Path(report["saved"])) == 1
    assert stat.S_IMODE(Path(report["saved"]).stat().st_mode) == 0o600  # under umask 022 too

    restored = admin("migrate", "--label", "r2", "--restore", env=env)
    assert restored.returncode == 0, restored.stderr
    assert version(database) == 1
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert not Path(report["saved"]).exists()


def test_migrate_of_an_up_to_date_database_copies_nothing(short_tmp: Path) -> None:
    """Nothing to do: no copy is made, and a restore afterwards changes nothing."""
    env = {
        **os.environ,
        "SQUADTIME_DATA_DIR": str(short_tmp),
        "SQUADTIME_RUNTIME_DIR": "/nonexistent",
    }
    database = short_tmp / "telemetry.db"
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as connection:
        migrate(connection)
    report = json.loads(admin("migrate", "--label", "r3", env=env).stdout)
    assert report["saved"] is None
    assert (
        json.loads(admin("migrate", "--label", "r3", "--restore", env=env).stdout)["restored"]
        is None
    )
    assert version(database) == LATEST


def test_migrate_label_must_be_a_plain_name(short_tmp: Path) -> None:
    """A label with a slash could write outside the data folder: refused with status 2."""
    env = {**os.environ, "SQUADTIME_DATA_DIR": str(short_tmp)}
    done = admin("migrate", "--label", "../x", env=env)
    assert done.returncode == 2
    assert "plain name" in done.stderr

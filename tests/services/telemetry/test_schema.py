"""The database file: private, WAL, durable, and upgraded from any earlier schema version."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from services.telemetry.database import connect
from services.telemetry.schema import LATEST, SchemaError, migrate, schema_version
from services.telemetry.store import get_config


def _at_version(path: Path, version: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path, isolation_level=None)
    migrate(raw, version)
    if version >= 1:  # a configured guild and a schedule, as the first release stored them
        raw.execute(
            "INSERT INTO guilds (guild_id, configured, timezone) VALUES (7, 1, 'Asia/Tokyo')"
        )
        raw.execute("INSERT INTO schedules VALUES (7, 42, 4, 21)")
    raw.close()


def _tables(connection: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f"PRAGMA index_xinfo({name!r})").fetchall()
        + connection.execute(f"PRAGMA table_xinfo({name!r})").fetchall()
        for name in names
    }


def test_database_file_is_private(db_path: Path, connection: sqlite3.Connection) -> None:
    """The database and its WAL side files are 0600: only the bot's user reads them."""
    connection.execute("INSERT INTO guilds (guild_id) VALUES (1)")
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_pragmas_favour_durability(connection: sqlite3.Connection) -> None:
    """WAL, synchronous FULL and foreign keys are on for the service's connection."""
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA synchronous").fetchone() == (2,)
    assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)


@pytest.mark.parametrize("start", range(LATEST))
def test_upgrade_from_every_earlier_version(short_tmp: Path, start: int) -> None:
    """A database at any earlier version reaches the latest with its data and a fresh schema."""
    old, fresh = short_tmp / "old.db", short_tmp / "fresh.db"
    _at_version(old, start)
    upgraded = connect(old)
    created = connect(fresh)
    assert schema_version(upgraded) == LATEST
    assert _tables(upgraded) == _tables(created)
    assert upgraded.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert upgraded.execute("PRAGMA foreign_key_check").fetchall() == []
    if start >= 1:
        assert get_config(upgraded, 7).timezone == "Asia/Tokyo"
        assert upgraded.execute("SELECT * FROM schedules").fetchall() == [(7, 42, 4, 21)]
    upgraded.close()
    created.close()


def test_newer_database_is_refused(short_tmp: Path) -> None:
    """A database from a newer release is left alone with a clear error, not downgraded."""
    path = short_tmp / "newer.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {LATEST + 1}")
    raw.close()
    with pytest.raises(SchemaError, match="newer release"):
        connect(path)


def test_failed_upgrade_keeps_previous_version(short_tmp: Path) -> None:
    """A step that fails leaves the database at the version before it, unchanged."""
    path = short_tmp / "half.db"
    _at_version(path, 1)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("CREATE TABLE channels (x)")  # makes step 2 fail half-way
    with pytest.raises(sqlite3.OperationalError):
        migrate(raw)
    assert schema_version(raw) == 1
    assert "last_seen" not in {row[1] for row in raw.execute("PRAGMA table_info(guilds)")}
    raw.close()

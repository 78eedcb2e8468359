"""``migrate``: bring the database to this release's schema, keeping a copy to roll back to.

Telemetry migrates on start too; doing it as a deploy step first means a migration that
fails stops the deploy before anything restarts. Telemetry is the database's only user,
so it is stopped first (the restart step starts it again), and the pre-migration copy is
taken with SQLite's backup API. ``--restore`` puts that copy back (a rollback: the older
release cannot read a newer schema).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from admin.errors import AdminError, Exit
from admin.fleet import STOP_ALL_TIMEOUT, Supervisor
from services.telemetry.schema import LATEST, SchemaError, migrate, schema_version

SIDE_FILES = ("-wal", "-shm")


def database_path(env: Mapping[str, str]) -> Path:
    """Telemetry's database file, as telemetry itself finds it."""
    if configured := env.get("SQUADTIME_DB"):
        return Path(configured)
    return Path(env["SQUADTIME_DATA_DIR"]) / "telemetry.db"


def _saved_copy(database: Path, label: str) -> Path:
    return database.with_name(f"{database.name}.before-{label}")


def stop_telemetry(env: Mapping[str, str]) -> bool:
    """Stop telemetry if supervisord runs it or will restart it (a crash-looping release
    would otherwise open the database mid-swap); False when there is no fleet (a first
    install) or telemetry was already stopped."""
    supervisor = Supervisor.from_env(env, timeout=STOP_ALL_TIMEOUT)
    if not supervisor.socket.exists():
        return False
    try:
        return supervisor.ensure_stopped("telemetry")
    except AdminError:
        return False  # a stale socket: no supervisord behind it


def migrate_database(env: Mapping[str, str], label: str) -> dict[str, object]:
    """Migrate; when the schema changes, first save a copy named after ``label``."""
    database = database_path(env)
    if not database.exists():
        return {"database": str(database), "from": 0, "to": 0, "saved": None}
    stop_telemetry(env)
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as connection:
        before = schema_version(connection)
        saved = None
        if before < LATEST:
            copy = _saved_copy(database, label)
            copy.unlink(missing_ok=True)
            # Created private: whatever the umask, the copy holds the community's data.
            os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with contextlib.closing(sqlite3.connect(copy)) as target:
                connection.backup(target)
            saved = str(copy)
        try:
            after = migrate(connection)
        except (SchemaError, sqlite3.Error) as error:
            raise AdminError(f"migrating {database} failed: {error}") from None
    return {"database": str(database), "from": before, "to": after, "saved": saved}


def restore_database(env: Mapping[str, str], label: str) -> dict[str, object]:
    """Put back the copy saved before ``label``'s migration, if there is one."""
    database = database_path(env)
    copy = _saved_copy(database, label)
    if not copy.exists():
        return {"database": str(database), "restored": None}
    stop_telemetry(env)
    for suffix in SIDE_FILES:
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    copy.chmod(0o600)
    copy.replace(database)
    return {"database": str(database), "restored": str(copy)}


def run_migrate(env: Mapping[str, str], label: str, *, restore: bool) -> Exit:
    """Print what was done as one JSON line (the deploy reads it)."""
    if not label or "/" in label:
        raise AdminError("--label must be a plain name (the release id)", Exit.USAGE)
    done = restore_database(env, label) if restore else migrate_database(env, label)
    print(json.dumps(done))
    return Exit.OK

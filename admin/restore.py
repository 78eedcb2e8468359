"""``restore``: put a backup in the live database's place; the bot carries on from it.

The file is checked first (SQLite's integrity check, and a squadtime schema no newer than
this release's), so a wrong or damaged file never replaces a sound database. Telemetry is
the database's only user: when the fleet runs it is stopped for the swap and started again
after (it migrates an older schema at start); the events recorded meanwhile wait in their
publishers' queues (at-least-once), so none is lost. The database it replaces is kept
beside it, ``telemetry.db.replaced-<stamp>`` (0600), so a wrong restore can be undone. The
backup is copied next to the live file, synced, made 0600 and renamed over it (the old file
kept under a second name first): a power cut leaves the old database or the new one,
never half of each, and never none.

A backup from before today's post does not make the bot post today again: the scheduler
finds its message of the day in the channel before it posts (``services/scheduler/daily.py``)
and reconciles the marks with the message's reactions.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from admin.errors import AdminError, Exit
from admin.fleet import STOP_ALL_TIMEOUT, Supervisor
from admin.migrate import SIDE_FILES, database_path
from admin.remote import Host
from services.telemetry.schema import LATEST, schema_version

PRIVATE = 0o600


def check_backup(backup: Path) -> int:
    """The backup's schema version, if it is a sound squadtime database this release reads."""
    if not backup.is_file():
        raise AdminError(f"{backup} is not a file", Exit.USAGE)
    try:
        uri = f"{backup.absolute().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            (verdict,) = connection.execute("PRAGMA integrity_check(1)").fetchone()
            version = schema_version(connection)
    except sqlite3.DatabaseError as error:
        raise AdminError(f"{backup} is not a squadtime backup ({error})", Exit.USAGE) from None
    if verdict != "ok":
        raise AdminError(f"{backup} is damaged ({verdict}); choose another backup")
    if version == 0:
        raise AdminError(f"{backup} holds no squadtime data (no schema)", Exit.USAGE)
    if version > LATEST:
        raise AdminError(
            f"{backup} was made by a newer release (schema {version}, this one reads up to"
            f" {LATEST}): deploy that release first, then restore"
        )
    return version


def _fleet(env: Mapping[str, str]) -> Supervisor | None:
    """supervisord's control, when it answers (a fresh install has no fleet yet)."""
    supervisor = Supervisor.from_env(env, timeout=STOP_ALL_TIMEOUT)
    if not supervisor.socket.exists():
        return None
    try:
        supervisor.programs()
    except AdminError:
        return None  # a stale socket: supervisord is not there
    return supervisor


def _copy_private(source: Path, target: Path) -> None:
    """``source`` to the new file ``target``, 0600 from its creation, synced to the disk."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    with os.fdopen(descriptor, "wb") as out, source.open("rb") as data:
        shutil.copyfileobj(data, out)
        out.flush()
        os.fsync(out.fileno())


def _fold_wal(database: Path) -> None:
    """Fold the write-ahead log into the main file, so the file kept aside is the whole
    database even if telemetry was killed rather than stopped; a damaged one (often why it
    is restored) is kept as it is."""
    with (
        contextlib.suppress(sqlite3.DatabaseError),
        contextlib.closing(sqlite3.connect(database, isolation_level=None)) as connection,
    ):
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def restore(env: Mapping[str, str], backup: Path, now: datetime | None = None) -> Exit:
    """Replace the live database with ``backup``; print what was done."""
    version = check_backup(backup)
    database = database_path(env)
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fleet = _fleet(env)
    if fleet is not None and fleet.ensure_stopped("telemetry"):
        print("telemetry stopped for the swap")
    incoming = database.with_name(f".{database.name}.restoring")
    try:
        _copy_private(backup, incoming)
        if database.exists():
            _fold_wal(database)
            stamp = f"{now or datetime.now(UTC):%Y%m%d-%H%M%S}"
            kept = database.with_name(f"{database.name}.replaced-{stamp}")
            kept.unlink(missing_ok=True)  # a restore in the same second: the newer wins
            # A second name for the old file, then one rename over it: at every instant
            # telemetry.db is the old database or the restored one, never missing.
            os.link(database, kept)
            kept.chmod(PRIVATE)
            print(f"the database it replaces is kept as {kept}")
        for suffix in SIDE_FILES:
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        incoming.replace(database)
        _sync_folder(database.parent)
    finally:
        incoming.unlink(missing_ok=True)
        if fleet is not None:
            # Started again whatever its state was: a crash-looping one gets the good file.
            fleet.restart("telemetry")
            print("telemetry started again; it migrates an older schema as it starts")
    print(f"restored {backup} (schema {version}) as {database}")
    return Exit.OK


def restore_remote(host: Host, backup: Path) -> Exit:
    """Send ``backup`` to the host over SSH and restore it there (``restore -``)."""
    check_backup(backup)  # here first: no upload of a file the host would refuse
    host.check()
    answer = host.run(host.admin_command(["restore", "-"]), stdin=backup.read_bytes(), timeout=600)
    print(answer.rstrip())
    return Exit.OK


def restore_from_stdin(env: Mapping[str, str]) -> Exit:
    """``restore -``: the backup arrives on stdin (from ``restore --host``), kept private."""
    upload = database_path(env).with_name(".restore-upload.db")
    upload.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(upload, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        with os.fdopen(descriptor, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        return restore(env, upload)
    finally:
        upload.unlink(missing_ok=True)

"""Online backups with SQLite's backup API, while ingestion goes on.

The copy is made from a connection of its own, in a thread of its own: in WAL mode a
reader never blocks the writer, and copying every page in one step (``pages=-1``) reads
them all in one read transaction, so the copy is one consistent instant of the database
even while events keep being committed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

_PRIVATE = 0o600


class BackupError(Exception):
    """The backup could not be written; the message says why."""


def backup_database(source: Path, target: Path) -> int:
    """Copy the live database at ``source`` to the new file ``target``; return its size."""
    try:
        # Created here, exclusively and private: a backup holds the same personal data.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE))
    except FileExistsError:
        raise BackupError(f"{target} already exists; choose a new file") from None
    except OSError as error:
        raise BackupError(f"cannot create {target}: {error.strerror}") from None
    try:
        with (
            contextlib.closing(sqlite3.connect(source)) as live,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            live.backup(copy, pages=-1)
            # A single self-contained file to download, not a WAL database with side files.
            copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise BackupError(f"backup to {target} failed: {error}") from error
    return target.stat().st_size

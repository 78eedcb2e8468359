"""Opening the database, and the one thread that talks to it.

The telemetry service is the only process that opens the database. All its reads and
writes go through one dedicated thread (``DatabaseThread``), so the event loop never waits
on SQLite, and one connection means one writer: SQLite's sweet spot. The work handed to the
thread is a plain function over a ``sqlite3.Connection``; the functions in ``store``,
``schedules``, ``days``, ``sessions`` and ``ingest`` are all of that shape, which also makes
them easy to test and benchmark without a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Concatenate

from services.runtime.service import CannotStart
from services.telemetry.schema import migrate

DB_FILE = "telemetry.db"
_PRIVATE = 0o600
# Small pages: each table and index takes at least one page of its own, and a community's
# whole database is a few dozen kilobytes. Measured with bench/telemetry.py (two months of
# 100 members, schema 4): 139,264 bytes with SQLite's default 4,096-byte pages, 88,064 with
# 1,024 and 78,848 with 512; but 512-byte pages deepen the trees enough to slow ingestion
# below 20,000 events/s here (19,500), where 1,024 gives 22,000 to 28,000.
PAGE_SIZE = 1024


DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
"""SQLite's own words for a file that is not (or no longer) a sound database."""


class DamagedDatabase(CannotStart):
    """The database file is damaged: the message names it and says how to restore a backup."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating, 0600) and upgrade the database; autocommit mode, transactions explicit.

    A damaged file raises ``DamagedDatabase``: restarting would only fail the same way, so
    the owner is told once which file it is and how to put a backup in its place.
    """
    try:
        return _connect(path)
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorname", "") not in DAMAGED:
            raise
        raise DamagedDatabase(
            f"the database {path} is damaged ({error}): restore a backup with"
            f" 'squadtime-admin restore BACKUP' (the daily ones are in {path.parent}/backups;"
            " see docs/operations.md, 'Backup and restore')"
        ) from None


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create the file ourselves so it is never world-readable, even for an instant.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, _PRIVATE))
    path.chmod(_PRIVATE)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # Takes effect on a new file only; an existing one is rebuilt below, once.
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE:d}")
    connection.execute("PRAGMA journal_mode = WAL")
    # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on a power cut. We
    # acknowledge events to their publisher right after the commit and the publisher then
    # forgets them, so a commit that does not survive a power cut would be a lost fact.
    # Batching makes the extra fsync per transaction cheap.
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA busy_timeout = 5000")
    migrate(connection)
    _resize_pages(connection)
    for suffix in ("-wal", "-shm"):
        # SQLite gives its side files the main file's mode; make sure of it.
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.chmod(_PRIVATE)
    return connection


def _resize_pages(connection: sqlite3.Connection) -> None:
    """Rebuild a database made with other pages (before schema 4) with ``PAGE_SIZE`` ones."""
    (size,) = connection.execute("PRAGMA page_size").fetchone()
    if size == PAGE_SIZE:
        return
    # A WAL database keeps its page size: leave WAL for the rebuild. VACUUM writes the
    # copy through the rollback journal, so a crash midway leaves the old file intact.
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE:d}")
    connection.execute("VACUUM")
    connection.execute("PRAGMA journal_mode = WAL")


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        # SQLite may have rolled back by itself (SQLITE_FULL, SQLITE_IOERR): a second
        # ROLLBACK would raise "no transaction is active" and hide the disk-full error.
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


class DatabaseThread:
    """The database's own thread: ``await db.call(fn, *args)`` runs ``fn(connection, *args)``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="telemetry-db")
        self._connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        """Open and upgrade the database on its thread."""
        self._connection = await self._run(functools.partial(connect, self.path))

    async def call[**P, T](
        self,
        work: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``work(connection, *args, **kwargs)`` on the database thread."""
        connection = self._connection
        if connection is None:
            raise RuntimeError("the database is not open")
        return await self._run(functools.partial(work, connection, *args, **kwargs))

    async def _run[T](self, work: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work)

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL) and stop the thread."""
        if self._connection is not None:
            await self._run(self._connection.close)
            self._connection = None
        self._executor.shutdown(wait=True)

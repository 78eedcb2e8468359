"""Whether the database takes writes: said once in the log and in every heartbeat.

While writes fail (a full disk, an I/O error) telemetry acknowledges nothing: the publishers
keep their records and send them again every few seconds (``bus.client``), so each failed
attempt is no news. The first failure is one ERROR line naming the cause and the database,
the heartbeat says what is wrong (``disk full``; ``squadtime-admin status`` shows it) until a
write works again, and that is one more line, with how many attempts failed in between.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from services.runtime.service import Runtime

log = logging.getLogger(__name__)

DISK_FULL = "disk full"


def trouble_of(error: sqlite3.OperationalError) -> str:
    """The heartbeat's words for a failed write."""
    if getattr(error, "sqlite_errorname", "") == "SQLITE_FULL":
        return DISK_FULL
    return f"database not writable: {error}"


class StoreHealth:
    """Tracks the failed writes of one database and reports them through ``runtime``."""

    def __init__(self, runtime: Runtime, path: Path) -> None:
        self._runtime = runtime
        self._path = path
        self._failures = 0

    def failed(self, error: sqlite3.OperationalError) -> None:
        """A batch could not be written; nothing of it is acknowledged."""
        self._failures += 1
        trouble = trouble_of(error)
        if trouble == self._runtime.trouble:
            return
        self._runtime.trouble = trouble
        log.error(
            "cannot store events: %s (%s, %s). Nothing is acknowledged: the publishers keep"
            " the events and send them again; they are stored once there is room",
            trouble,
            error,
            self._path,
        )

    def stored(self) -> None:
        """A batch was written: the trouble, if any, is over."""
        if not self._runtime.trouble:
            return
        log.warning(
            "storing events again after %d failed attempts (%s)",
            self._failures,
            self._runtime.trouble,
        )
        self._runtime.trouble = ""
        self._failures = 0

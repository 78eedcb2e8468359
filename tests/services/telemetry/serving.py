"""The telemetry's request API over a real database thread, for the tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from services.telemetry.database import DatabaseThread
from services.telemetry.ingest import Recorder
from services.telemetry.requests import Requests
from tests.helpers import HandClock


@dataclass(frozen=True, slots=True)
class Served:
    """What a test talks to: the request API, the recorder and their database."""

    requests: Requests
    recorder: Recorder
    db: DatabaseThread


@contextlib.asynccontextmanager
async def serving(path: Path, now: float = 1_800_000_000.0) -> AsyncIterator[Served]:
    """Open the database at ``path`` on its thread and answer requests with clock ``now``."""
    db = DatabaseThread(path)
    await db.open()
    try:
        recorder = await db.call(Recorder)
        yield Served(Requests(db, recorder, clock=HandClock(now)), recorder, db)
    finally:
        await db.close()

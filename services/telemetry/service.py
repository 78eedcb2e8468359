"""The telemetry process: the system of record.

It is the only process that opens the database. It records the facts other services
publish (voice states, recorded at least once and stored exactly once; guild snapshots
and member updates, to keep names fresh and reconcile voice sessions) and answers typed
requests for what is stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from bus.errors import RequestRefused
from bus.protocol import Envelope, Reply, Request, TelemetryRequest
from services.runtime.service import Runtime
from services.telemetry.database import DB_FILE, DatabaseThread
from services.telemetry.ingest import Recorder
from services.telemetry.requests import Requests

log = logging.getLogger(__name__)


class Telemetry:
    """squadtime's telemetry: the system of record, voice sessions and graphs.

    ``database`` overrides where the database lives (``SQUADTIME_DB``); by default it is
    ``telemetry.db`` in the data directory.
    """

    name = "telemetry"
    description = "squadtime's telemetry: the system of record, voice sessions and graphs."

    def __init__(self, database: Path | None = None) -> None:
        self._database = database
        self._db: DatabaseThread | None = None
        self._requests: Requests | None = None

    async def setup(self, runtime: Runtime) -> None:
        """Open the database and subscribe to the gateway's facts."""
        path = self._database or runtime.settings.data_dir / DB_FILE
        db = DatabaseThread(path)
        await db.open()
        recorder = await db.call(Recorder)
        self._db = db
        self._requests = Requests(db, recorder)
        log.info("recording to %s", path)
        bus = runtime.bus

        async def record(batch: Sequence[Envelope]) -> None:
            outcome = await db.call(recorder.ingest, batch, time.time())
            # Only now, after the commit: the publisher forgets what we acknowledge.
            bus.ack(batch)
            if outcome.repeats:
                log.debug("%d re-sent events recognised", outcome.repeats)

        bus.subscribe("gateway.")
        bus.on_events(record)

    async def run(self, runtime: Runtime) -> None:
        """Serve until stopped, then close the database."""
        try:
            await runtime.stopping.wait()
        finally:
            if self._db is not None:
                await self._db.close()

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply:
        """Answer a telemetry request."""
        if self._requests is None:
            raise RequestRefused("unavailable", "telemetry is starting; try again")
        if not isinstance(request, TelemetryRequest):
            raise RequestRefused("unknown_request", "telemetry does not serve this request")
        return await self._requests.answer(request)

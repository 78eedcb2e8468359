"""The telemetry process: the system of record.

It is the only process that opens the database. It records the facts other services
publish (voice states, recorded at least once and stored exactly once; guild snapshots
and member updates, to keep names fresh and reconcile voice sessions), answers typed
requests for what is stored, and owns the ``/stats`` command (see ``stats``). Events it
cannot store are set aside as dead letters (see ``deadletters``) for the admin to list.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from bus.client import Deferred, RefusedFrame
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    DashboardTelemetryRequest,
    Envelope,
    GetDeadLetters,
    Interaction,
    Reply,
    Request,
    TelemetryRequest,
)
from services.runtime.commands import offer_commands
from services.runtime.service import Runtime
from services.telemetry.analytics.worker import GraphWorker
from services.telemetry.daily_backups import BackupPolicy, keep_backing_up
from services.telemetry.dashboard import Dashboard
from services.telemetry.database import DB_FILE, DatabaseThread
from services.telemetry.deadletters import list_dead_letters, set_aside_frame
from services.telemetry.health import StoreHealth
from services.telemetry.ingest import Recorder
from services.telemetry.requests import Requests
from services.telemetry.stats import StatsCommand, stats_command

log = logging.getLogger(__name__)

NO_BACKUPS = BackupPolicy(every=0)


class Telemetry:
    """squadtime's telemetry: the system of record, voice sessions and graphs.

    ``database`` overrides where the database lives (``SQUADTIME_DB``); by default it is
    ``telemetry.db`` in the data directory. ``backups`` says when it backs the database up
    by itself into ``backups/`` there (by default never: ``python -m services.telemetry``
    reads ``SQUADTIME_BACKUP_*``, a day by default).
    """

    name = "telemetry"
    description = "squadtime's telemetry: the system of record, voice sessions and graphs."
    exit_code = 0

    def __init__(self, database: Path | None = None, *, backups: BackupPolicy = NO_BACKUPS) -> None:
        self._database = database
        self._backups = backups
        self._path: Path | None = None
        self._db: DatabaseThread | None = None
        self._requests: Requests | None = None
        self._stats: StatsCommand | None = None
        self._dashboard: Dashboard | None = None
        self._worker = GraphWorker()

    async def setup(self, runtime: Runtime) -> None:
        """Open the database and subscribe to the gateway's facts."""
        path = self._database or runtime.settings.data_dir / DB_FILE
        self._path = path
        db = DatabaseThread(path)
        await db.open()
        recorder = await db.call(Recorder)
        self._db = db
        calendar = runtime.settings.calendar
        self._requests = Requests(db, recorder, calendar)
        self._dashboard = Dashboard(db, recorder, self._worker, calendar)
        log.info("recording to %s", path)
        bus = runtime.bus
        self._stats = StatsCommand(bus, path, self._worker, runtime.tasks, clock=calendar)

        health = StoreHealth(runtime, path)

        async def record(batch: Sequence[Envelope]) -> None:
            try:
                outcome = await db.call(recorder.ingest, batch, calendar.now())
            except sqlite3.OperationalError as error:
                # Not acknowledged: the publishers keep the batch and send it again.
                health.failed(error)
                raise Deferred from error
            health.stored()
            # Only now, after the commit: the publisher forgets what we acknowledge.
            bus.ack(batch)
            if outcome.repeats:
                log.debug("%d re-sent events recognised", outcome.repeats)

        async def set_aside(refused: RefusedFrame) -> None:
            await db.call(set_aside_frame, refused, calendar.now())
            # Kept, so acknowledged: the publisher stops re-sending what can never be stored.
            bus.ack([refused.head])

        bus.subscribe("gateway.")
        bus.on_events(record)
        bus.on_refused(set_aside)

    async def run(self, runtime: Runtime) -> None:
        """Offer ``/stats`` to the gateway, serve until stopped, then close the worker and DB."""
        runtime.tasks.spawn(
            offer_commands(runtime.bus, self.name, [stats_command()]), name="offer-commands"
        )
        if self._path is not None:
            folder = runtime.settings.data_dir / "backups"
            runtime.tasks.spawn(
                keep_backing_up(self._path, folder, self._backups), name="daily-backups"
            )
        try:
            await runtime.stopping.wait()
        finally:
            await self._worker.aclose()
            if self._db is not None:
                await self._db.close()

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply:
        """Answer a telemetry request or a ``/stats`` interaction."""
        if (
            self._db is None
            or self._requests is None
            or self._stats is None
            or self._dashboard is None
        ):
            raise RequestRefused(ErrorCode.UNAVAILABLE, "telemetry is starting; try again")
        if isinstance(request, Interaction):
            return await self._stats.answer(request)
        if isinstance(request, DashboardTelemetryRequest):
            return await self._dashboard.answer(request)
        if isinstance(request, GetDeadLetters):
            return await list_dead_letters(self._db, request)
        if not isinstance(request, TelemetryRequest):
            raise RequestRefused(ErrorCode.UNKNOWN_REQUEST, "telemetry does not serve this request")
        return await self._requests.answer(request)

"""What every answer needs: the database thread, the recorder and the calendar clock."""

from __future__ import annotations

from dataclasses import dataclass

from bus.clock import Clock
from services.telemetry.database import DatabaseThread
from services.telemetry.ingest import Recorder


@dataclass(frozen=True, slots=True)
class Context:
    """Shared by the answer modules, so a request's handler takes one argument besides it."""

    db: DatabaseThread
    recorder: Recorder
    clock: Clock

"""``python -m services.scheduler``: the scheduler process, as supervisord runs it."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from bus.protocol import MAX_MARKS_PER_BATCH
from services.runtime.service import run_configured
from services.runtime.settings import SettingsError, number
from services.scheduler.service import Scheduler

MARK_BATCH_ENV = "SQUADTIME_MARK_BATCH"


def mark_batch(env: Mapping[str, str]) -> int:
    """``SQUADTIME_MARK_BATCH``: how many marks at most go to telemetry in one round trip
    (1 records each click on its own, the path the benchmark compares with)."""
    value = number(env, MARK_BATCH_ENV, MAX_MARKS_PER_BATCH, 1, MAX_MARKS_PER_BATCH)
    if not value.is_integer():
        raise SettingsError(f"{MARK_BATCH_ENV}={env[MARK_BATCH_ENV]!r} is not a whole number")
    return int(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scheduler service until SIGTERM; 2 when its settings are unusable."""
    return run_configured(
        "scheduler",
        mark_batch,
        MAX_MARKS_PER_BATCH,
        lambda batch: Scheduler(mark_batch=batch),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())

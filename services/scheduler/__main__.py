"""``python -m services.scheduler``: the scheduler process, as supervisord runs it."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bus.protocol import MAX_MARKS_PER_BATCH
from services.runtime.service import run_configured
from services.runtime.settings import SettingsError, number
from services.scheduler.lanes import LANES
from services.scheduler.service import Scheduler

MARK_BATCH_ENV = "SQUADTIME_MARK_BATCH"
LANES_ENV = "SQUADTIME_SCHEDULER_LANES"
MAX_LANES = 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """The scheduler's own settings (the fleet's are in ``services.runtime.settings``)."""

    mark_batch: int = MAX_MARKS_PER_BATCH
    lanes: int = LANES


def mark_batch(env: Mapping[str, str]) -> int:
    """``SQUADTIME_MARK_BATCH``: how many marks at most go to telemetry in one round trip
    (1 records each click on its own, the path the benchmark compares with)."""
    value = number(env, MARK_BATCH_ENV, MAX_MARKS_PER_BATCH, 1, MAX_MARKS_PER_BATCH)
    if not value.is_integer():
        raise SettingsError(f"{MARK_BATCH_ENV}={env[MARK_BATCH_ENV]!r} is not a whole number")
    return int(value)


def lanes(env: Mapping[str, str]) -> int:
    """``SQUADTIME_SCHEDULER_LANES``: how many guilds' daily work goes on at once (1: one
    guild after another, the path the benchmark compares with); see ``lanes.py``."""
    value = number(env, LANES_ENV, LANES, 1, MAX_LANES)
    if not value.is_integer():
        raise SettingsError(f"{LANES_ENV}={env[LANES_ENV]!r} is not a whole number")
    return int(value)


def settings(env: Mapping[str, str]) -> Settings:
    """The scheduler's settings from the environment."""
    return Settings(mark_batch=mark_batch(env), lanes=lanes(env))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scheduler service until SIGTERM; 2 when its settings are unusable."""
    return run_configured(
        "scheduler",
        settings,
        Settings(),
        lambda found: Scheduler(mark_batch=found.mark_batch, lanes=found.lanes),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())

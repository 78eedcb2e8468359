"""``python -m services.telemetry``: the telemetry process, as supervisord runs it."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from services.runtime.service import run_configured
from services.telemetry.daily_backups import BackupPolicy
from services.telemetry.service import Telemetry


def main(argv: Sequence[str] | None = None) -> int:
    """Run the telemetry service until SIGTERM; ``SQUADTIME_DB`` overrides the database path,
    ``SQUADTIME_BACKUP_*`` set its daily backups; 2 when a setting is unusable."""
    database = os.environ.get("SQUADTIME_DB")

    def make(backups: BackupPolicy) -> Telemetry:
        return Telemetry(Path(database) if database else None, backups=backups)

    return run_configured("telemetry", BackupPolicy.from_env, BackupPolicy(), make, argv)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m services.telemetry``: the telemetry process, as supervisord runs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from services.runtime.service import run_service
from services.telemetry.service import Telemetry


def main() -> int:
    """Run the telemetry service until SIGTERM; ``SQUADTIME_DB`` overrides the database path."""
    database = os.environ.get("SQUADTIME_DB")
    return run_service(Telemetry(Path(database) if database else None))


if __name__ == "__main__":
    sys.exit(main())

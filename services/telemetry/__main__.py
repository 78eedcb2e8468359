"""``python -m services.telemetry``: the telemetry process, as supervisord runs it."""

from __future__ import annotations

import sys

from services.runtime.service import run_service
from services.telemetry.service import Telemetry


def main() -> int:
    """Run the telemetry service until SIGTERM."""
    return run_service(Telemetry())


if __name__ == "__main__":
    sys.exit(main())

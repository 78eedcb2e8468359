"""``python -m services.scheduler``: the scheduler process, as supervisord runs it."""

from __future__ import annotations

import sys

from services.runtime.service import run_service
from services.scheduler.service import Scheduler


def main() -> int:
    """Run the scheduler service until SIGTERM."""
    return run_service(Scheduler())


if __name__ == "__main__":
    sys.exit(main())

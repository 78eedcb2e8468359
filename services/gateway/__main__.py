"""``python -m services.gateway``: the gateway process, as supervisord runs it."""

from __future__ import annotations

import sys

from services.gateway.service import Gateway
from services.runtime.service import run_service


def main() -> int:
    """Run the gateway service until SIGTERM."""
    return run_service(Gateway())


if __name__ == "__main__":
    sys.exit(main())

"""``python -m services.web``: the dashboard process, as supervisord runs it."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from services.runtime.service import run_configured
from services.web.config import WebConfig
from services.web.service import WebService


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the dashboard until SIGTERM; 2 for a malformed setting."""
    return run_configured("web", WebConfig.from_env, WebConfig(), WebService, argv)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m services.voice``: the voice process, as supervisord runs it."""

from __future__ import annotations

import sys

from services.runtime.service import run_service
from services.voice.service import Voice


def main() -> int:
    """Run the voice service until SIGTERM."""
    return run_service(Voice())


if __name__ == "__main__":
    sys.exit(main())

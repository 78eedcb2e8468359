"""``python -m services.voice``: the voice process, as supervisord runs it."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from services.runtime.service import run_configured
from services.voice.config import VoiceConfig
from services.voice.service import Voice


def main(argv: Sequence[str] | None = None) -> int:
    """Run the voice service until SIGTERM; 2 when its settings are unusable."""
    return run_configured("voice", VoiceConfig.from_env, VoiceConfig(token=""), Voice, argv)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m services.voice``: the voice process, as supervisord runs it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from services.runtime.logs import configure_logging
from services.runtime.service import EXIT_CONFIG, run_service
from services.voice.config import VoiceConfig, VoiceConfigError
from services.voice.service import Voice

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the voice service until SIGTERM; 2 when its settings are unusable."""
    args = list(sys.argv[1:] if argv is None else argv)
    config = VoiceConfig(token="")
    if not {"-h", "--help"} & set(args):
        try:
            config = VoiceConfig.from_env(os.environ)
        except VoiceConfigError as error:
            configure_logging("voice", "INFO")
            log.error("cannot start: %s", error)  # noqa: TRY400 -- the message is the whole story
            return EXIT_CONFIG
    voice = Voice(config)
    code = run_service(voice, args)
    return voice.exit_code or code


if __name__ == "__main__":
    sys.exit(main())

"""``python -m services.gateway``: the gateway process, as supervisord runs it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from services.gateway.config import ConfigError, GatewayConfig
from services.gateway.service import Gateway
from services.runtime.logs import configure_logging
from services.runtime.service import EXIT_CONFIG, run_service
from services.runtime.token import TokenError

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the gateway service until SIGTERM; 2 when the token or intents are refused."""
    args = list(sys.argv[1:] if argv is None else argv)
    config = GatewayConfig(token="")
    if not {"-h", "--help"} & set(args):
        try:
            config = GatewayConfig.from_env(os.environ)
        except (TokenError, ConfigError) as error:
            configure_logging("gateway", "INFO")
            log.error("cannot start: %s", error)  # noqa: TRY400 -- the message is the whole story
            return EXIT_CONFIG
    gateway = Gateway(config)
    code = run_service(gateway, args)
    return gateway.exit_code or code


if __name__ == "__main__":
    sys.exit(main())

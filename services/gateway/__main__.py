"""``python -m services.gateway``: the gateway process, as supervisord runs it."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from services.gateway.config import GatewayConfig
from services.gateway.service import Gateway
from services.runtime.service import run_configured


def main(argv: Sequence[str] | None = None) -> int:
    """Run the gateway service until SIGTERM; 2 when the token or intents are refused."""
    return run_configured("gateway", GatewayConfig.from_env, GatewayConfig(token=""), Gateway, argv)


if __name__ == "__main__":
    sys.exit(main())

"""The gateway's own settings, read from the environment in ``main()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.runtime.identify import IDENTIFY_WINDOW
from services.runtime.settings import DISCORD_API, discord_api
from services.runtime.sharding import shard_setting
from services.runtime.token import load_token


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Who the bot is, where Discord is, and how patient interactions are.

    ``defer_after``: how long an owner may take before the gateway defers
    (Discord allows 3 s for the first response). ``owner_alive_within``: how
    long a ping to the owner may take before it is considered down.
    ``answer_within``: the longest wait for a deferred owner's answer.
    ``shards``: how many gateway shards (``SQUADTIME_GATEWAY_SHARDS``); 0 takes Discord's
    recommendation from ``GET /gateway/bot``. ``identify_window``: the seconds of one
    ``max_concurrency`` bucket (Discord's 5; tests of a local Discord make it short).
    """

    token: str
    api_base: str = DISCORD_API
    defer_after: float = 2.0
    owner_alive_within: float = 1.2
    answer_within: float = 60.0
    guild_ready_timeout: float = 2.0
    shards: int = 0
    identify_window: float = IDENTIFY_WINDOW

    def __repr__(self) -> str:
        # A dataclass repr would print the token in any traceback or debug line.
        return f"GatewayConfig(api_base={self.api_base!r}, token=[redacted])"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GatewayConfig:
        """Read the token, ``SQUADTIME_DISCORD_API`` and ``SQUADTIME_GATEWAY_SHARDS``; raise
        SettingsError."""
        return cls(token=load_token(env), api_base=discord_api(env), shards=shard_setting(env))

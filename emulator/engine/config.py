"""Settings of one emulator instance."""

from dataclasses import dataclass, field

from emulator.gateway.shards import ShardingConfig
from emulator.rules.intents import PRIVILEGED
from emulator.rules.limits import Rules
from emulator.rules.ratelimit import RateLimitConfig


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """Who the bot is and which rules and limits the emulated Discord applies."""

    token: str = "emulator-bot-token"  # noqa: S105 - a placeholder only this emulator accepts
    bot_name: str = "squadtime"
    rules: Rules = field(default_factory=Rules)
    limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    allowed_privileged_intents: int = int(PRIVILEGED)
    heartbeat_interval_ms: int = 41_250
    identify_daily_limit: int = 1000
    sharding: ShardingConfig = field(default_factory=ShardingConfig)
    """Sharding and the gateway's limits (4008, 4010, 4011, op 9, member chunks)."""

"""Sharding and the gateway's own limits, as Discord applies them to a bot's sessions.

Each rule cites the page of Discord's documentation it comes from (discord/discord-api-docs):
- *Gateway > Sharding* (``developers/events/gateway.mdx#sharding``): the routing formula,
  DMs to shard 0, 2,500 guilds per session at most, ``rate_limit_key``;
- *Gateway > Identifying* and *Session Start Limit Object*: ``max_concurrency`` IDENTIFYs per
  5 seconds, op 9 beyond it;
- *Gateway > Rate Limiting*: 120 gateway sends per connection every 60 seconds;
- *Opcodes and Status Codes > Gateway Close Event Codes*: 4008, 4010, 4011;
- *Gateway Events > Request Guild Members* and the change log entry *Introducing Rate Limit
  When Requesting All Guild Members* (2025-08-14, everywhere since 2025-10-01): chunks of at
  most 1,000 members, one request for all members per guild per bot every 30 seconds,
  answered beyond that with a ``RATE_LIMITED`` dispatch.

Every number is a knob (:class:`ShardingConfig`) so that a test can show a rule with 30 guilds
and windows of a fraction of a second; the defaults are Discord's, except where noted.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.rules.jsontypes import JSONValue, as_array

RATE_LIMITED_CLOSE = 4008
INVALID_SHARD_CLOSE = 4010
SHARDING_REQUIRED_CLOSE = 4011


@dataclass(frozen=True, slots=True)
class ShardingConfig:
    """The numbers behind sharding and the gateway's limits.

    ``max_guilds_per_session``: "Each shard can only support a maximum of 2500 guilds"
    (Gateway > Sharding); a session that would hold more is closed with 4011.
    ``guilds_per_shard``: how many guilds one recommended shard holds in ``GET /gateway/bot``
    (Discord advises sharding from about 1,000; the exact figure is Discord's choice).
    ``shard_multiple``: large-bot sharding, "the number of shards you run must be a multiple
    of the shard number provided" (Gateway > Sharding for Large Bots), else 4010; 1 is
    everyone else.
    ``max_concurrency``, ``identify_window``: "Number of identify requests allowed per 5
    seconds" (Session Start Limit Object), one per ``rate_limit_key = shard_id %
    max_concurrency`` per window. Discord's window is 5 s; here 0 (not enforced) by default,
    because the bot's two sessions (gateway and voice) and every test that restarts one
    would otherwise wait out 5 s per start; tests of the rule set it.
    ``sends_per_window``, ``send_window``: 120 sends per connection every 60 s (Gateway >
    Rate Limiting), closed with 4008 beyond.
    ``member_request_window``: one request for *all* members of a guild per bot every 30 s.
    ``members_per_chunk``: GUILD_MEMBERS_CHUNK carries "up to 1000 members per chunk".
    ``reset_after_ms``: ``session_start_limit.reset_after`` (a day, as for a new bot).
    """

    max_guilds_per_session: int = 2_500
    guilds_per_shard: int = 1_000
    shard_multiple: int = 1
    max_concurrency: int = 1
    identify_window: float = 0.0
    sends_per_window: int = 120
    send_window: float = 60.0
    member_request_window: float = 30.0
    members_per_chunk: int = 1_000
    reset_after_ms: int = 86_400_000

    def recommended_shards(self, guild_count: int) -> int:
        """``GET /gateway/bot``'s ``shards``: enough for ``guilds_per_shard`` each, a multiple
        of ``shard_multiple``, at least one."""
        wanted = max(math.ceil(guild_count / self.guilds_per_shard), 1)
        return math.ceil(wanted / self.shard_multiple) * self.shard_multiple


def shard_of(guild_id: int, num_shards: int) -> int:
    """Gateway > Sharding, "Sharding Formula": ``(guild_id >> 22) % num_shards``."""
    return (guild_id >> 22) % num_shards


def parse_shard(value: JSONValue, config: ShardingConfig) -> tuple[int, int] | None:
    """IDENTIFY's ``shard``, "array of two integers (shard_id, num_shards)" (Gateway Events >
    Identify); ``(0, 1)`` when absent, None when invalid (close 4010)."""
    if value is None:
        return (0, 1)
    items = as_array(value)
    if len(items) != 2:
        return None
    shard_id, count = items
    if type(shard_id) is not int or type(count) is not int:
        return None
    if count < 1 or not 0 <= shard_id < count or count % config.shard_multiple:
        return None
    return (shard_id, count)


@dataclass(slots=True)
class IdentifyGate:
    """Admits at most one IDENTIFY per ``rate_limit_key`` per ``identify_window``.

    Gateway > Identifying: "If your app exceeds this limit, Discord will respond with a
    Invalid Session (opcode 9)". Gateway > Sharding, "Max Concurrency": the key of a shard is
    ``shard_id % max_concurrency``; the keys fill a bucket of ``max_concurrency`` sessions.
    """

    config: ShardingConfig
    monotonic: Callable[[], float] = time.monotonic
    last: dict[int, float] = field(default_factory=dict)
    refused: int = 0
    admitted: list[tuple[int, float]] = field(default_factory=list)
    """Every IDENTIFY let through, ``(shard_id, when)``, whichever session sent it."""

    def admit(self, shard_id: int) -> bool:
        window = self.config.identify_window
        now = self.monotonic()
        if window > 0:
            key = shard_id % self.config.max_concurrency
            previous = self.last.get(key)
            if previous is not None and now - previous < window:
                self.refused += 1
                return False
            self.last[key] = now
        self.admitted.append((shard_id, now))
        return True


@dataclass(slots=True)
class SendCounter:
    """The frames one connection sent within the last ``send_window`` (Gateway > Rate
    Limiting: "Apps that surpass the limit are immediately disconnected")."""

    config: ShardingConfig
    monotonic: Callable[[], float] = time.monotonic
    sent: deque[float] = field(default_factory=deque)

    def over_limit(self) -> bool:
        """Count one more frame; True when it is one too many."""
        now = self.monotonic()
        while self.sent and self.sent[0] <= now - self.config.send_window:
            self.sent.popleft()
        self.sent.append(now)
        return len(self.sent) > self.config.sends_per_window


@dataclass(slots=True)
class MemberRequestLimit:
    """One request for all members per guild per bot per ``member_request_window``.

    The change log (2025-08-14): the limit "applies only to the initial request when
    requesting ALL Guild Members" (``limit`` 0 and an empty ``query``), per guild per bot,
    whatever the session.
    """

    config: ShardingConfig
    monotonic: Callable[[], float] = time.monotonic
    last: dict[int, float] = field(default_factory=dict)
    limited: int = 0

    def retry_after(self, guild_id: int) -> float:
        """0 when the request may go; else the seconds left in the guild's window."""
        now = self.monotonic()
        previous = self.last.get(guild_id)
        window = self.config.member_request_window
        if previous is not None and now - previous < window:
            self.limited += 1
            return window - (now - previous)
        self.last[guild_id] = now
        return 0.0

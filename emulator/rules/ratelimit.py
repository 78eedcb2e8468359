"""Discord's rate limits: per-route buckets keyed by major parameter, plus a global limit.

Every answer carries ``X-RateLimit-*`` headers and ``Via``; an exhausted bucket answers 429
with ``retry_after``. Limits are configurable per emulator, and :meth:`RateLimiter.throttle`
forces 429s on a route (optionally for one major parameter) for a while.
"""

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "interaction_id")


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """``limit`` requests per ``period`` seconds; routes naming the same ``bucket`` share it."""

    limit: int
    period: float
    bucket: str | None = None


# Discord publishes no per-route figures (its "Rate Limits" page says to read the headers,
# whose X-RateLimit-Reset-After has millisecond decimals); one reaction per 0.25 s per
# channel is what bots see (Javacord's "Ratelimits" wiki page; Discord.Net issue #401).
_REACTIONS = RouteLimit(1, 0.25, bucket="reactions")
_WEBHOOK = RouteLimit(5, 2.0)

DISCORD_LIMITS: Mapping[str, RouteLimit] = {
    "POST /channels/{channel_id}/messages": RouteLimit(5, 5.0),
    "PATCH /channels/{channel_id}/messages/{message_id}": RouteLimit(5, 5.0),
    "DELETE /channels/{channel_id}/messages/{message_id}": RouteLimit(5, 1.0),
    "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me": _REACTIONS,
    "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me": _REACTIONS,
    "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}": (
        _REACTIONS
    ),
    "POST /webhooks/{webhook_id}/{webhook_token}": _WEBHOOK,
    "GET /webhooks/{webhook_id}/{webhook_token}/messages/@original": _WEBHOOK,
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original": _WEBHOOK,
    "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/@original": _WEBHOOK,
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": _WEBHOOK,
    "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": _WEBHOOK,
}

# Interaction callbacks and interaction webhooks are not bound to the global limit.
GLOBAL_EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


@dataclass(slots=True)
class RateLimitConfig:
    """The limits of one emulator instance."""

    routes: dict[str, RouteLimit] = field(default_factory=lambda: dict(DISCORD_LIMITS))
    default: RouteLimit = RouteLimit(50, 1.0)
    global_per_second: int = 50

    def for_route(self, route: str) -> RouteLimit:
        return self.routes.get(route, self.default)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a request may proceed, and the headers its answer carries."""

    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False

    @property
    def limited(self) -> bool:
        return self.retry_after > 0


@dataclass(slots=True)
class _Window:
    remaining: int
    resets_at: float


@dataclass(frozen=True, slots=True)
class _Throttle:
    route: str
    major: str | None
    until: float


def major_of(route: str, params: Mapping[str, str]) -> str:
    """The major parameter of a request: channel, guild, webhook id+token or interaction."""
    for name in MAJOR_PARAMETERS:
        if name in params and "{" + name + "}" in route:
            value = params[name]
            token = params.get("webhook_token") or params.get("interaction_token")
            return f"{value}/{token}" if token else value
    return ""


def bucket_hash(name: str) -> str:
    """An opaque bucket id like Discord's, stable for a bucket name."""
    return hashlib.blake2s(name.encode(), digest_size=16).hexdigest()


class RateLimiter:
    """Counts requests per (bucket, major parameter, token) in fixed windows, and per token."""

    def __init__(
        self,
        config: RateLimitConfig | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or RateLimitConfig()
        self._monotonic = monotonic
        self._wall = wall
        self._windows: dict[tuple[str, str, str], _Window] = {}
        self._throttles: list[_Throttle] = []
        self._global: dict[str, deque[float]] = {}

    def configure(self, route: str, limit: RouteLimit) -> None:
        """Change one route's limit (``"PATCH /channels/{channel_id}/messages/{message_id}"``)."""
        self.config.routes[route] = limit

    def throttle(self, route: str, *, seconds: float, major: str | int | None = None) -> None:
        """Answer 429 to ``route`` (only for ``major`` when given) for the next ``seconds``."""
        until = self._monotonic() + seconds
        self._throttles.append(_Throttle(route, None if major is None else str(major), until))

    def check(self, route: str, path: str, major: str, token: str | None) -> Verdict:
        """Account for one request to ``route`` with major parameter ``major``."""
        now = self._monotonic()
        limit = self.config.for_route(route)
        bucket_name = limit.bucket or route
        bucket = bucket_hash(bucket_name)
        if token is not None and not path.startswith(GLOBAL_EXEMPT_PREFIXES):
            wait = self._global_wait(token, now)
            if wait > 0:
                return self._limited(limit, bucket, wait, is_global=True)
        throttle_end = max(
            (
                t.until
                for t in self._throttles
                if t.route == route and t.major in (None, major.split("/")[0]) and t.until > now
            ),
            default=0.0,
        )
        if throttle_end > now:
            return self._limited(limit, bucket, throttle_end - now, is_global=False)
        key = (bucket_name, major, token or "")
        window = self._windows.get(key)
        if window is None or now >= window.resets_at:
            window = _Window(remaining=limit.limit, resets_at=now + limit.period)
            self._windows[key] = window
        if window.remaining <= 0:
            return self._limited(limit, bucket, window.resets_at - now, is_global=False)
        window.remaining -= 1
        return Verdict(self._headers(limit, bucket, window.remaining, window.resets_at - now))

    def _global_wait(self, token: str, now: float) -> float:
        recent = self._global.setdefault(token, deque())
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= self.config.global_per_second:
            return recent[0] + 1.0 - now
        recent.append(now)
        return 0.0

    def _headers(
        self, limit: RouteLimit, bucket: str, remaining: int, after: float
    ) -> dict[str, str]:
        after = max(after, 0.001)
        return {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self._wall() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    def _limited(self, limit: RouteLimit, bucket: str, wait: float, *, is_global: bool) -> Verdict:
        wait = max(wait, 0.001)
        headers = self._headers(limit, bucket, 0, wait)
        headers["Retry-After"] = str(math.ceil(wait))
        headers["X-RateLimit-Scope"] = "global" if is_global else "user"
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return Verdict(headers, retry_after=wait, is_global=is_global)

"""A route's rate limit is Discord's bucket *per top-level resource*: nextcord 3.2 shares one
across every channel.

Discord's *Rate Limits* page (https://docs.discord.com/developers/topics/rate-limits) counts
per-route limits apart for each top-level resource in the path (a channel, a guild, a
webhook): "if you exceeded a rate limit when calling one endpoint /channels/1234, you could
still call another similar endpoint like /channels/9876". The ``X-RateLimit-Bucket`` header
names the route's limit without those parameters; clients add them to the hash themselves
(discord/discord-api-docs#1551, a maintainer's answer: ``hash + major``).

nextcord 3.2's ``HTTPClient`` keys its shared buckets (``_buckets``) by the header alone, so
the first channel's reaction limit becomes every channel's: the bot added one reaction a
second across all its guilds, and twenty guilds' daily posts due together waited a minute
for their hour reactions (``tests/services/scheduler/test_lanes.py``). Each route's limit made
here carries the route's top-level resource in its bucket name, so nextcord keeps one limit
per bucket and channel (guild, webhook), as Discord counts them; the emulator answers 429 to
a channel going faster than its bucket (``emulator/ratelimit.py``).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from multidict import CIMultiDict
from nextcord.http import HTTPClient, RateLimit, Route

BUCKET = "X-RateLimit-Bucket"


def resource_of(route: Route) -> str:
    """The route's top-level resources, as Discord counts per-route limits apart."""
    return f"{route.channel_id}:{route.guild_id}:{route.webhook_id}"


class _Named:
    """A response whose bucket header carries the route's top-level resource too."""

    def __init__(self, response: aiohttp.ClientResponse, resource: str) -> None:
        self._response = response
        self.headers: CIMultiDict[str] = CIMultiDict(response.headers)
        bucket = self.headers.get(BUCKET)
        if bucket is not None:
            self.headers[BUCKET] = f"{bucket}:{resource}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


class ResourceRateLimit(RateLimit):
    """nextcord's route limit, named by Discord's bucket and the route's resource."""

    def __init__(self, resource: str, **options: Any) -> None:
        super().__init__(**options)
        self._resource = resource

    async def update(self, response: aiohttp.ClientResponse) -> None:
        await super().update(_Named(response, self._resource))  # type: ignore[arg-type]


def per_resource(http: HTTPClient) -> None:
    """Make ``http`` keep each route's limit per top-level resource (see the module)."""

    def make(method: str, route: Route, auth: str | None) -> RateLimit:
        limit = ResourceRateLimit(
            resource_of(route),
            time_offset=http._time_offset,
            use_reset_timestamp=http._ratelimit_use_timestamp,
        )
        http._url_rate_limits[(method, route.bucket, auth)] = limit
        return limit

    http._make_url_rate_limit = make  # type: ignore[method-assign]

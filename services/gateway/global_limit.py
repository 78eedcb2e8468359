"""Discord's global rate limit, kept on the bot's side: a burst of requests meets no 429.

Discord lets a bot make 50 requests a second in all, interaction callbacks and their
webhooks aside, and answers 429 past that; too many 429s get the bot's address banned from
the API for a while. nextcord paces the global limit in fixed one-second windows of its
own: 50 requests at the end of one window and 50 at the start of the next are 100 within
one second at Discord. 1,000 reminders falling due at the same minute met 66 429s that way
(``bench/reminders.py``).

:class:`GlobalLimit` holds a slot for each request from before it is sent until ``period``
after its answer came back, and lets no more than ``limit`` slots be held at once. Discord
counts a request at some instant between the two, so whatever the latency, and however long
nextcord keeps a request waiting for its route's bucket, no ``period`` at Discord ever sees
more than ``limit`` of them. The price is a little throughput: a request's round trip
counts against the second that follows it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

DISCORD_PER_SECOND = 50  # Discord's docs, Rate Limits > Global Rate Limit
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")
"""Interaction endpoints are not bound to the global limit (Discord's docs, same page)."""


class GlobalLimit:
    """At most ``limit`` requests in any ``period`` seconds, as Discord will count them."""

    def __init__(self, limit: int = DISCORD_PER_SECOND, period: float = 1.0) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._period = period

    @staticmethod
    def applies_to(path: str) -> bool:
        """Whether a request to ``path`` (a route template or a path) counts."""
        return not path.startswith(EXEMPT_PREFIXES)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot around one request (waiting for one first); freed ``period`` after."""
        await self._slots.acquire()
        try:
            yield
        finally:
            # Failed or not, the request may have reached Discord: it counts all the same.
            asyncio.get_running_loop().call_later(self._period, self._slots.release)

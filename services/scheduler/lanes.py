"""Each guild its own lane: the guilds' work goes on together, each guild's in its order.

The daily posts of many guilds once went out one guild after another, each waiting for its
hour reactions (issue #31): a thousand guilds due at the same minute took hours. Each
guild's work now runs in a lane of its own: a guild's post, its reactions and its edits
stay in order (its ``GuildDay.lock`` and its one ``Coalescer``), while up to ``LANES``
guilds are at work at once.

Discord's limits are kept where they are counted, in the gateway. Discord's *Rate Limits*
page (https://docs.discord.com/developers/topics/rate-limits) sets a global limit of 50
requests a second per bot (*Global Rate Limit*) and per-route limits that are counted
apart for each top-level resource in the path: a channel (``channel_id``), a guild or a
webhook. The reaction route's bucket is therefore per channel: two guilds' reactions never
wait for each other, and nextcord's client with ``services/gateway/global_limit.py`` waits
out each bucket and the global limit (the emulator refuses with a 429 what goes faster,
``emulator/ratelimit.py``). The bound here only keeps the scheduler's own work in flight
(requests waiting in the gateway, memory) proportionate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

LANES = 16  # guilds at work at once: reactions at Discord's pace fill ~16-64 of the 50/s


async def in_lanes[T, R](
    items: Iterable[T], work: Callable[[T], Awaitable[R]], width: int = LANES
) -> list[R]:
    """``work`` on each of ``items`` (one lane each), at most ``width`` at once; the results
    in the order of ``items``. ``work`` must handle its own failures: one lane's exception
    leaves the other lanes running and is raised here once they are done."""
    gate = asyncio.Semaphore(max(width, 1))

    async def lane(item: T) -> R:
        async with gate:
            return await work(item)

    results = await asyncio.gather(*(lane(item) for item in items), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]  # no exception among them, checked above

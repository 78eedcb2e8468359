"""Asking the gateway for every guild's snapshot, page by page, all or nothing.

The scheduler and the voice service both catch up this way when they start after the
gateway. ``FetchGuilds`` answers a page at a time (``services/gateway/pages.py``); here the
pages are joined, and only a whole answer is handed back: a gateway that restarts between
two pages answers the next one from a new cache (another ``epoch``), so the asking starts
over rather than join two caches; a gateway that dies between two pages makes the asking
raise, with nothing applied, for the caller to ask again as it did when the answer was one
frame. Either way the caller sees every guild of one cache, never a prefix of them.
"""

from __future__ import annotations

from typing import Protocol

from bus.errors import ErrorCode, RemoteError
from bus.protocol import FetchGuilds, GuildsFetched, GuildSnapshot, ReplyMessage, Request

PAGE_BYTES = 256 * 1024
"""A page's snapshots at most (a few hundred small guilds, or one of ~2,000 members):
small enough that no frame holds up the bus, large enough that a few thousand guilds take
a few dozen round trips."""

STARTS = 3
"""How many times the asking starts over when the gateway's cache changed under it."""


class Asker(Protocol):
    """What the asking needs of a bus client (``bus.client.BusClient.request``)."""

    async def request[R: ReplyMessage](
        self, target: str, body: Request, *, expect: type[R], timeout: float = ...
    ) -> R: ...


async def fetch_guilds(
    bus: Asker, *, timeout: float, page_bytes: int = PAGE_BYTES
) -> list[GuildSnapshot]:
    """Every guild the gateway holds, from one cache; raises BusError (nothing applied) when
    a page cannot be had, or when the cache keeps changing under the asking."""
    for _ in range(STARTS):
        found = await _one_epoch(bus, timeout, page_bytes)
        if found is not None:
            return found
    raise RemoteError("gateway", ErrorCode.UNAVAILABLE, "its guilds kept changing while paged")


async def _one_epoch(bus: Asker, timeout: float, page_bytes: int) -> list[GuildSnapshot] | None:
    """The pages of one epoch joined, or None when the epoch changed between two pages."""
    found: list[GuildSnapshot] = []
    after, epoch = 0, None
    while True:
        page = await bus.request(
            "gateway",
            FetchGuilds(after=after, page_bytes=page_bytes),
            expect=GuildsFetched,
            timeout=timeout,
        )
        if epoch is not None and page.epoch != epoch:
            return None
        epoch = page.epoch
        found.extend(page.guilds)
        if not page.next_after:
            return found
        if page.next_after <= after:  # a cursor that does not move would page for ever
            raise RemoteError("gateway", ErrorCode.PROTOCOL, "its guild pages went backwards")
        after = page.next_after

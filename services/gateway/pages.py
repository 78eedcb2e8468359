"""``FetchGuilds`` answered a page at a time, so no bus frame grows with the number of guilds.

One frame for every guild's snapshot (members, roles, channels, voice) grew without bound: a
few hundred guilds of a thousand members each is tens of megabytes in one ZeroMQ message,
encoded, sent and decoded at once while both processes stop for it. A page is bounded in
bytes, not in guilds, because snapshots differ in size by three orders of magnitude (one
member or 5,000). The cursor is a guild id, the cache's own order: a guild that joins while
an asker pages may fall behind its cursor, but its snapshot is published as an event anyway
(``GatewayClient.on_guild_join``), to which every asker is subscribed.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from bus.protocol import FetchGuilds, GuildsFetched, GuildSnapshot

PAGE_BYTES_MIN = 4 * 1024
PAGE_BYTES_MAX = 1024 * 1024
"""The page sizes the gateway agrees to, whatever an asker says: below the minimum, paging
costs a round trip per guild; above the maximum, a frame is again too big to pass at once."""

_encoder = msgspec.msgpack.Encoder()


def page_budget(request: FetchGuilds) -> int | None:
    """The bytes of snapshots one page may carry; None for the whole cache in one frame
    (``page_bytes`` 0, an asker from before paging)."""
    if request.page_bytes <= 0:
        return None
    return min(max(request.page_bytes, PAGE_BYTES_MIN), PAGE_BYTES_MAX)


def guild_page(snapshots: Iterable[GuildSnapshot], budget: int | None, epoch: str) -> GuildsFetched:
    """The first snapshots of ``snapshots`` (in id order) that fit in ``budget`` bytes, at
    least one; ``next_after`` names the last one when more are left."""
    page: list[GuildSnapshot] = []
    used = 0
    for snapshot in snapshots:
        size = len(_encoder.encode(snapshot)) if budget is not None else 0
        if page and budget is not None and used + size > budget:
            return GuildsFetched(guilds=page, next_after=page[-1].guild_id, epoch=epoch)
        page.append(snapshot)
        used += size
    return GuildsFetched(guilds=page, epoch=epoch)

"""The graphs' PNGs, asked of telemetry and kept per guild, graph, period and member until
telemetry's data version for the guild changes."""

from __future__ import annotations

from collections import OrderedDict

from bus.client import BusClient
from bus.protocol import DataVersionReply, GetDataVersion, GetGraph, GraphName, GraphReply

GRAPH_TIMEOUT = 60.0
ASK_TIMEOUT = 3.0
KEPT = 64

type Key = tuple[int, GraphName, int, int]


class GraphCache:
    """PNGs by (guild, graph, days, member), at most ``KEPT``, least recently used first out."""

    def __init__(self, bus: BusClient) -> None:
        self._bus = bus
        self._kept: OrderedDict[Key, GraphReply] = OrderedDict()
        self.drawn = 0  # graphs telemetry drew for us, for tests and the benchmark

    async def png(self, guild_id: int, graph: GraphName, days: int, member: int) -> bytes:
        """The PNG; raises what the bus raises (telemetry refusing, or not answering)."""
        key = (guild_id, graph, days, member)
        kept = self._kept.get(key)
        if kept is not None:
            version = await self._bus.request(
                "telemetry",
                GetDataVersion(guild_id=guild_id),
                expect=DataVersionReply,
                timeout=ASK_TIMEOUT,
            )
            if version.version == kept.version:
                self._kept.move_to_end(key)
                return kept.png
        drawn = await self._bus.request(
            "telemetry",
            GetGraph(guild_id=guild_id, graph=graph, days=days, member=member),
            expect=GraphReply,
            timeout=GRAPH_TIMEOUT,
        )
        self.drawn += 1
        self._kept[key] = drawn
        self._kept.move_to_end(key)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return drawn.png

"""The graphs' images (SVG for the pages, PNG on request), asked of telemetry and kept per
guild, graph, period, member and format until telemetry's data version for the guild
changes."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from bus.client import BusClient
from bus.protocol import (
    DataVersionReply,
    GetDataVersion,
    GetGraph,
    GraphFormat,
    GraphName,
    GraphReply,
)

GRAPH_TIMEOUT = 60.0
ASK_TIMEOUT = 3.0
KEPT = 64

type Key = tuple[int, GraphName, int, int, GraphFormat]


@dataclass(frozen=True, slots=True)
class Image:
    """A drawn graph and its format: the one asked for, or PNG from a telemetry older than
    SVG (see ``GraphReply``), which is then served as what it is."""

    data: bytes
    format: GraphFormat

    @property
    def content_type(self) -> str:
        """The MIME type to serve it under."""
        return "image/svg+xml" if self.format == "svg" else "image/png"


def _image(reply: GraphReply) -> Image:
    return Image(reply.svg, "svg") if reply.svg else Image(reply.png, "png")


class GraphCache:
    """Images by (guild, graph, days, member, format), at most ``KEPT``, least recently used
    first out."""

    def __init__(self, bus: BusClient) -> None:
        self._bus = bus
        self._kept: OrderedDict[Key, GraphReply] = OrderedDict()
        self.drawn = 0  # graphs telemetry drew for us, for tests and the benchmark

    async def image(
        self, guild_id: int, graph: GraphName, days: int, member: int, fmt: GraphFormat
    ) -> Image:
        """The graph; raises what the bus raises (telemetry refusing, or not answering)."""
        key = (guild_id, graph, days, member, fmt)
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
                return _image(kept)
        drawn = await self._bus.request(
            "telemetry",
            GetGraph(guild_id=guild_id, graph=graph, days=days, member=member, format=fmt),
            expect=GraphReply,
            timeout=GRAPH_TIMEOUT,
        )
        self.drawn += 1
        self._kept[key] = drawn
        self._kept.move_to_end(key)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return _image(drawn)

"""Telemetry tells the dashboard which graphs it draws, from its one table of graphs."""

from __future__ import annotations

import msgspec

from bus.protocol import GraphKindsReply, Reply
from services.telemetry.analytics.charts import GRAPHS, GraphKind
from services.telemetry.dashboard import graph_kinds


def test_every_graph_of_the_table_is_offered_with_its_title_and_period() -> None:
    """The reply lists the table's graphs in its order, each with its title and default
    period; only the member's week needs a member; it survives the bus unchanged."""
    offered = graph_kinds()
    assert [g.name for g in offered] == [kind.value for kind in GRAPHS]
    assert [(g.title, g.default_days) for g in offered] == [
        (row.title, row.default_days) for row in GRAPHS.values()
    ]
    assert [g.name for g in offered if g.one_member] == [GraphKind.WEEK.value]
    reply = GraphKindsReply(graphs=offered)
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(reply), type=Reply) == reply

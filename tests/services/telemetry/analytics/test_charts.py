"""A graph's name, title and default period have one home, shared with the dashboard."""

from __future__ import annotations

from typing import get_args

from bus.protocol import GRAPH_DEFAULT_DAYS, GRAPH_TITLES, GraphName
from services.telemetry.analytics.charts import GraphKind
from services.telemetry.analytics.export import GUILD_GRAPHS


def test_graph_kinds_are_the_protocols_graph_names() -> None:
    """``GraphKind`` and ``GraphName`` spell the same eight names, in the same order."""
    assert [kind.value for kind in GraphKind] == list(get_args(GraphName.__value__))


def test_every_graph_has_a_title_and_a_default_period() -> None:
    """Titles and default periods come from the protocol's tables, one entry per graph."""
    assert set(GRAPH_TITLES) == set(GRAPH_DEFAULT_DAYS) == {kind.value for kind in GraphKind}
    assert GraphKind.MONTHS.label == "Hours per month"
    assert len({kind.label for kind in GraphKind}) == len(GraphKind)


def test_seven_graphs_describe_the_guild() -> None:
    """The seven graphs of the mission are the guild graphs; a member's week is apart."""
    assert len(GUILD_GRAPHS) == 7
    assert GraphKind.WEEK not in GUILD_GRAPHS

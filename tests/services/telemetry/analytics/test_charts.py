"""A graph's name, title, default period, scope, drawer and height have one home: its row in
``GRAPHS``, shared with the dashboard, exports and the renderers."""

from __future__ import annotations

from services.telemetry.analytics.charts import GRAPHS, GraphKind
from services.telemetry.analytics.export import GUILD_GRAPHS
from services.telemetry.analytics.render import drawer


def test_every_graph_has_one_row() -> None:
    """Each ``GraphKind`` has a row in ``GRAPHS``, in the same order, with its own title."""
    assert list(GRAPHS) == list(GraphKind)
    assert GraphKind.MONTHS.label == "Hours per month"
    assert GraphKind.WEEKDAYS.default_days == 91
    assert len({kind.label for kind in GraphKind}) == len(GraphKind)


def test_every_row_names_a_drawer_that_exists() -> None:
    """Each row's ``drawer`` is a function of ``analytics.render``'s modules."""
    assert all(callable(drawer(kind)) for kind in GraphKind)


def test_a_members_week_is_not_among_the_guild_graphs() -> None:
    """The guild graphs are every graph but those of one member, drawn per member."""
    assert GraphKind.WEEK not in GUILD_GRAPHS
    assert set(GUILD_GRAPHS) | {GraphKind.WEEK} == set(GraphKind)

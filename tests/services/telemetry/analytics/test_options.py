"""Validation of the /stats options."""

from __future__ import annotations

import pytest

from bus.protocol import ALL_HISTORY
from services.telemetry.analytics.charts import GraphKind
from services.telemetry.analytics.options import OptionsError, StatsRequest, parse_stats_options


@pytest.mark.parametrize(
    ("graph", "days", "member", "expected"),
    [
        ("community", None, None, StatsRequest(GraphKind.NETWORK, 30)),
        ("duos", 7, None, StatsRequest(GraphKind.DUOS, 7)),
        (" Voice-Time ", 1, None, StatsRequest(GraphKind.VOICE_TIME, 1)),
        ("inactive", 365, None, StatsRequest(GraphKind.INACTIVE, 365)),
        ("weekdays", None, None, StatsRequest(GraphKind.WEEKDAYS, 91)),
        ("months", 90, None, StatsRequest(GraphKind.MONTHS, 90)),
        ("months", None, None, StatsRequest(GraphKind.MONTHS, ALL_HISTORY)),
        ("duos", 0, None, StatsRequest(GraphKind.DUOS, ALL_HISTORY)),
        ("timeline", None, None, StatsRequest(GraphKind.TIMELINE, 84)),
        ("week", None, 42, StatsRequest(GraphKind.WEEK, member=42)),
        (
            "week",
            None,
            "123456789012345678",
            StatsRequest(GraphKind.WEEK, member=123456789012345678),
        ),
    ],
)
def test_valid_options_give_a_typed_request(
    graph: object, days: object, member: object, expected: StatsRequest
) -> None:
    """Good options become a StatsRequest with defaults filled in."""
    assert parse_stats_options(graph, days, member) == expected


@pytest.mark.parametrize(
    ("graph", "days", "member", "message"),
    [
        ("comunity", None, None, "There is no graph called `comunity`. Did you mean `community`?"),
        ("pie", None, None, "There is no graph called `pie`. Choose one of"),
        (None, None, None, "Pick a graph:"),
        ("", None, None, "Pick a graph:"),
        (3, None, None, "Pick a graph:"),
        ("duos", 366, None, "`days` must be from 1 to 365 (or 0 for all the history); 366 is"),
        ("duos", -5, None, "out of range"),
        ("duos", "30", None, "`days` must be a whole number from 1 to 365"),
        ("duos", 7.5, None, "`days` must be a whole number"),
        ("duos", True, None, "`days` must be a whole number"),
        ("week", None, None, "A week is drawn for one `member`"),
        ("week", 7, 42, "A member's week is always the current week"),
        ("week", None, "alice", "`member` must be a member of this server."),
        ("week", None, 0, "`member` must be a member of this server."),
        ("week", None, False, "`member` must be a member of this server."),
        ("community", None, 42, "`member` only applies to the `week` graph, not `community`."),
        ("timeline", None, 42, "`member` only applies to the `week` graph, not `timeline`."),
    ],
)
def test_bad_options_get_a_clear_message(
    graph: object, days: object, member: object, message: str
) -> None:
    """Each bad option is refused with a message naming the problem."""
    result = parse_stats_options(graph, days, member)
    assert isinstance(result, OptionsError)
    assert message in result.message


def test_every_graph_name_is_accepted() -> None:
    """Every graph kind can be asked for by its name."""
    for kind in GraphKind:
        member = 1 if kind is GraphKind.WEEK else None
        result = parse_stats_options(kind.value, None, member)
        assert isinstance(result, StatsRequest)
        assert result.kind is kind


def test_long_unknown_names_are_shortened_in_the_message() -> None:
    """A huge bogus graph name is not echoed back in full."""
    result = parse_stats_options("x" * 500)
    assert isinstance(result, OptionsError)
    assert len(result.message) < 200


def test_each_graph_has_its_own_default_period() -> None:
    """Left out, ``days`` is the graph's own: all the history for months, 12 weeks for the
    timeline, 30 days for the network and duos."""
    defaults = {
        kind: parse_stats_options(kind.value, None, 1 if kind is GraphKind.WEEK else None)
        for kind in GraphKind
    }
    days = {
        kind: request.days
        for kind, request in defaults.items()
        if isinstance(request, StatsRequest)
    }
    assert days[GraphKind.MONTHS] == ALL_HISTORY
    assert days[GraphKind.TIMELINE] == 84
    assert days[GraphKind.NETWORK] == days[GraphKind.DUOS] == 30
    assert StatsRequest(GraphKind.MONTHS).days == ALL_HISTORY

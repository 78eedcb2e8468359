"""The dashboard's SVGs: they scale, need no inline CSS, and title every drawn value with it.

The values are checked against the hand-computed community of ``test_figures`` (a member
starting mid-month, a session across the March/April boundary, the spring-forward night, a
member who stops): what each graph *draws* is what its data says.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bus.protocol import ALL_HISTORY
from services.telemetry.analytics.charts import Chart, GraphKind
from services.telemetry.analytics.render import render
from services.telemetry.analytics.report import GuildReport
from services.telemetry.analytics.sessions import GuildDataset, Member, Roster

from .builders import ALICE, BOB, PARIS, between, clock, local
from .test_figures import DATASET, report

SVG = "{http://www.w3.org/2000/svg}"


def parsed(data: bytes) -> ET.Element:
    """The SVG's root element (it must parse)."""
    return ET.fromstring(data)  # noqa: S314 - bytes this process just drew


def titles(data: bytes) -> list[str]:
    """Every hover title of an SVG, in drawing order."""
    return [element.text or "" for element in parsed(data).iter(f"{SVG}title")]


def hand_chart(kind: GraphKind) -> Chart:
    """The hand-computed community's chart of ``kind`` over its own default period."""
    if kind is GraphKind.WEEK:
        # Bob's week of the spring-forward night, as of that Sunday.
        week = GuildReport(DATASET, local(PARIS, 2025, 3, 30, 12), 7)
        return week.chart(kind, BOB)
    # Who plays with whom over all the history: within the last 30 days Dave, who stopped,
    # and the one duo would be gone.
    whole = (GraphKind.DUOS, GraphKind.NETWORK, GraphKind.VOICE_TIME)
    days = ALL_HISTORY if kind in whole else kind.default_days
    return report(days).chart(kind)


@pytest.mark.parametrize("kind", list(GraphKind))
def test_every_graph_is_a_scalable_svg_free_of_inline_css(kind: GraphKind) -> None:
    """A viewBox and no print size; presentation attributes, never style attributes or
    elements (the dashboard's CSP forbids inline styles); no script; no embedded raster (its
    ``img-src 'self'`` blocks a data: image, such as a colorbar's); every title on a group."""
    root = parsed(render(kind, hand_chart(kind), "svg"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox", "").startswith("0 0 432 ")
    assert root.get("width") is None
    assert root.get("height") is None
    assert not [element for element in root.iter() if "style" in element.attrib]
    assert not list(root.iter(f"{SVG}style"))
    assert not list(root.iter(f"{SVG}script"))
    assert not list(root.iter(f"{SVG}image"))
    parents = {child: parent for parent in root.iter() for child in parent}
    found = list(root.iter(f"{SVG}title"))
    assert found
    assert all(parents[title].tag == f"{SVG}g" for title in found)


EXPECTED: dict[GraphKind, set[str]] = {
    GraphKind.DUOS: {"Alice & Dave: 1.00 h together"},
    GraphKind.VOICE_TIME: {
        "Alice: 1.00 h with others",
        "Alice: 4.00 h alone",
        "Carol: 0.00 h with others",
        "Carol: 4.50 h alone",
        "Dave: 1.00 h with others",
        "Dave: 3.00 h alone",
        "Bob: 0.00 h with others",
        "Bob: 1.00 h alone",
    },
    GraphKind.MONTHS: {
        "Alice, February 2025 (9 of 28 days): 2.00 h",
        "Alice, March 2025: 2.00 h",
        "Alice, April 2025 (10 of 30 days): 1.00 h",
        "Carol, February 2025 (9 of 28 days): 0.00 h",
        "Carol, March 2025: 3.00 h",
        "Carol, April 2025 (10 of 30 days): 1.50 h",
        "2 others, February 2025 (9 of 28 days): 4.00 h",
        "2 others, March 2025: 1.00 h",
        "2 others, April 2025 (10 of 30 days): 0.00 h",
    },
    GraphKind.WEEK: {
        "Sun 30 Mar, 01:30-02:00, Raid Room: 0.50 h",
        "Sun 30 Mar, 03:00-03:30, Raid Room: 0.50 h",
    },
}
"""Every title of these graphs, worked out by hand from the sessions."""

SOME: dict[GraphKind, set[str]] = {
    GraphKind.NETWORK: {"Alice & Dave: 1.00 h together"},
    GraphKind.TIMELINE: {
        "Alice, week of 20 Feb 2025: 2.00 h",
        "Dave, week of 20 Feb 2025: 4.00 h",
        "Dave, week of 03 Apr 2025: 0.00 h",
        "Carol, week of 13 Mar 2025: 3.00 h",
        "Bob, week of 27 Mar 2025: 1.00 h",
        "Alice, week of 27 Mar 2025: 2.00 h",
        "Alice, week of 16 Jan 2025: no data (before the record began)",
    },
    GraphKind.INACTIVE: {
        "Dave (seen 48 d ago), week of 20 Feb: 4.00 h",
        "Dave (seen 48 d ago), week of 03 Apr: 0.00 h",
        "Erin (never in voice), week of 03 Apr: 0.00 h",
        "Bob (seen 11 d ago), week of 27 Mar: 1.00 h",
        "Carol (seen 5 d ago), week of 16 Jan: no data (before the record began)",
    },
    GraphKind.WEEKDAYS: {
        "Alice, Mondays: 2.00 h",
        "Alice, Tuesdays: 1.00 h",
        "Carol, Saturdays: 4.50 h",
        "Dave, Fridays: 1.00 h",
        "Bob, Sundays: 1.00 h",
        "Sundays, 01:00-02:00: 0.50 h",
        "Sundays, 02:00-03:00: 0.00 h",
        "Thursdays, 21:00-22:00: 2.00 h",
    },
}
"""Some titles of the graphs with many cells: the corners the hand-computed data is for."""


@pytest.mark.parametrize("kind", list(GraphKind))
def test_each_drawn_value_is_titled_with_its_exact_value(kind: GraphKind) -> None:
    """Bars, cells, edges and nodes carry the hours the hand-computed data gives them."""
    found = titles(render(kind, hand_chart(kind), "svg"))
    assert len(found) == len(set(found))
    if kind in EXPECTED:
        assert set(found) == EXPECTED[kind]
    else:
        assert SOME[kind] <= set(found)
    if kind is GraphKind.NETWORK:
        nodes = {title.split(", group")[0] for title in found if "in voice" in title}
        assert nodes == {
            "Alice: 5.00 h in voice",
            "Carol: 4.50 h in voice",
            "Dave: 4.00 h in voice",
            "Bob: 1.00 h in voice",
        }
    if kind is GraphKind.TIMELINE:
        assert len(found) == 4 * 12  # four members with time in voice, twelve weeks


def test_a_week_across_a_month_boundary_is_titled_per_day() -> None:
    """Alice's 23:00 to 01:00 across the end of March is two bars of an hour, one per day."""
    chart = GuildReport(DATASET, local(PARIS, 2025, 4, 1, 12), 7).week(ALICE)
    assert titles(render(GraphKind.WEEK, chart, "svg")) == [
        "Mon 31 Mar, 23:00-24:00, Raid Room: 1.00 h",
        "Tue 01 Apr, 00:00-01:00, Raid Room: 1.00 h",
    ]


def test_free_text_names_make_valid_svg() -> None:
    """Markup, ampersands and control characters in names stay text in a valid SVG."""
    roster = Roster.of([Member(ALICE, "<b>A&B</b>\x07"), Member(BOB, "]]> \x00Bob")])
    start = local(PARIS, 2025, 5, 29, 20)
    sessions = (
        between(start, start.replace(hour=22), user=ALICE),
        between(start, start.replace(hour=21), user=BOB),
    )
    dataset = GuildDataset(clock(), roster, sessions)
    chart = GuildReport(dataset, local(PARIS, 2025, 6, 1, 12), 7).duos()
    assert titles(render(GraphKind.DUOS, chart, "svg")) == ["<b>A&B</b> & ]]> Bob: 1.00 h together"]

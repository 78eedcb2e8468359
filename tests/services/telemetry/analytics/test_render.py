"""Every graph renders to a readable PNG of its fixed size, with text that reads on a phone."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from services.telemetry.analytics.charts import Chart, DuoChart, GraphKind, Header
from services.telemetry.analytics.render import DPI, PIXEL_SIZES, draw, render_png
from services.telemetry.analytics.render.figure import figure, label
from services.telemetry.analytics.render.sizes import WIDTH_INCHES
from services.telemetry.analytics.report import GuildReport
from services.telemetry.analytics.sessions import GuildDataset, Member, Roster

from .builders import PARIS, between, clock, community, local
from .pngs import assert_png

NOW = local(PARIS, 2025, 6, 1, 12)
ODD_NAMES = ["$5 Bob$ 🎮", "日本のプレイヤー", "Zoë \\mathrm{x} ^_^", "A" * 60, "   "]


def charts(report: GuildReport, member: int) -> dict[GraphKind, Chart]:
    """One chart of each kind from a report."""
    return {
        kind: report.chart(kind, member if kind is GraphKind.WEEK else None) for kind in GraphKind
    }


@pytest.fixture(scope="module")
def busy_charts() -> dict[GraphKind, Chart]:
    """Charts of a seeded community with a month of evenings."""
    dataset = community(seed=1)
    report = GuildReport(dataset, NOW, 30)
    return charts(report, report.members_in_voice_this_week()[0])


@pytest.mark.parametrize("kind", list(GraphKind))
def test_every_graph_is_a_png_of_its_size(
    kind: GraphKind, busy_charts: dict[GraphKind, Chart]
) -> None:
    """Each renderer returns a PNG of the declared pixel size that reads back."""
    assert_png(render_png(kind, busy_charts[kind]), PIXEL_SIZES[kind])


def test_sizes_fit_discord() -> None:
    """All graphs are 1200 px wide (6 in at 200 dpi), at most 1800 px tall."""
    assert set(PIXEL_SIZES) == set(GraphKind)
    assert DPI == 200
    assert all(width == 1200 and 1000 <= height <= 1800 for width, height in PIXEL_SIZES.values())


@pytest.mark.parametrize("kind", list(GraphKind))
def test_every_text_reads_on_a_phone(kind: GraphKind, busy_charts: dict[GraphKind, Chart]) -> None:
    """Shown 390 CSS px wide, no text of any graph is smaller than 9 CSS px."""
    with figure(kind) as sheet:
        draw(sheet, busy_charts[kind])
        sheet.fig.draw_without_rendering()  # makes the ticks a layout chooses
        sizes = [
            float(text.get_fontsize())
            for text in sheet.fig.findobj(Text)
            if text.get_visible() and text.get_text().strip()
        ]
    points_per_css_px = WIDTH_INCHES * 72 / 390
    assert sizes
    assert min(sizes) / points_per_css_px >= 9.0


@pytest.mark.parametrize("kind", list(GraphKind))
def test_graphs_render_with_no_sessions(kind: GraphKind) -> None:
    """A guild without any voice still gets a valid picture of every graph."""
    empty = GuildDataset(clock(), Roster.of([Member(1, "Lonely")]), ())
    chart = charts(GuildReport(empty, NOW, 7), 1)[kind]
    assert_png(render_png(kind, chart), PIXEL_SIZES[kind])


@pytest.mark.parametrize(
    "kind",
    [
        GraphKind.NETWORK,
        GraphKind.DUOS,
        GraphKind.VOICE_TIME,
        GraphKind.INACTIVE,
        GraphKind.WEEKDAYS,
        GraphKind.MONTHS,
        GraphKind.TIMELINE,
        GraphKind.WEEK,
    ],
)
def test_odd_display_names_render_without_warnings(kind: GraphKind) -> None:
    """Names with $, emoji, CJK, backslashes or great length draw cleanly (warnings are errors)."""
    roster = Roster.of(Member(index + 1, name) for index, name in enumerate(ODD_NAMES))
    start = local(PARIS, 2025, 5, 29, 20)
    sessions = tuple(
        between(start + timedelta(minutes=5 * index), start + timedelta(hours=2), user=index + 1)
        for index in range(len(ODD_NAMES))
    )
    dataset = GuildDataset(clock(), roster, sessions, {10: "🔊 $Lobby$"})
    chart = charts(GuildReport(dataset, NOW, 7), 1)[kind]
    assert_png(render_png(kind, chart), PIXEL_SIZES[kind])


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("$5 Bob$", r"\$5 Bob\$"),
        ("🎮 Zoë 🎮", "Zoë"),
        ("日本", "?"),
        ("x" * 30, "x" * 15 + "\u2026"),
        ("a\nb\tc", "abc"),
    ],
)
def test_labels_are_made_safe(name: str, shown: str) -> None:
    """Labels escape $, drop glyphs the font lacks and control characters, and are shortened."""
    assert label(name) == shown


def test_mismatched_kind_and_data_is_refused() -> None:
    """Asking for one graph with another graph's data is a programming error, said clearly."""
    chart = DuoChart(Header("t", "s"), ())
    with pytest.raises(TypeError, match="DuoChart is data for duos, not for community"):
        render_png(GraphKind.NETWORK, chart)


def test_figures_are_released_after_rendering(busy_charts: dict[GraphKind, Chart]) -> None:
    """No matplotlib figure outlives a render."""
    render_png(GraphKind.MONTHS, busy_charts[GraphKind.MONTHS])
    gc.collect()
    before = sum(isinstance(thing, Figure) for thing in gc.get_objects())
    for _ in range(3):
        render_png(GraphKind.MONTHS, busy_charts[GraphKind.MONTHS])
    gc.collect()
    assert sum(isinstance(thing, Figure) for thing in gc.get_objects()) == before == 0

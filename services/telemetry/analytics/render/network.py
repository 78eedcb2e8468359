"""The community network: nodes sized by time in voice, coloured by Louvain community,
linked by lines as thick as the time the pair shared.
"""

from __future__ import annotations

from collections import Counter
from math import sqrt

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from services.telemetry.analytics.charts import NetworkChart, NetworkNode
from services.telemetry.analytics.network import communities, positions, weighted_graph
from services.telemetry.analytics.render.figure import (
    INK,
    PALETTE,
    SMALL,
    Sheet,
    draw_header,
    empty_note,
    exact_hours,
    hours_text,
    label,
)

MAX_NODES = 40
"""Beyond this many names a phone-sized picture stops being readable; the most present members
are drawn, while communities are still found on the whole graph."""
MAX_EDGES = 200
OTHER_COMMUNITY = "#BBBBBB"
_SMALLEST_NODE = 20.0
_LARGEST_NODE = 500.0
"""Square points: the largest dot is 22 pt across, a twentieth of the width."""
_THINNEST_EDGE = 0.3
_THICKEST_EDGE = 5.0


def _colour(community: int) -> str:
    return PALETTE[community] if community < len(PALETTE) else OTHER_COMMUNITY


def draw_network(sheet: Sheet, chart: NetworkChart) -> None:
    """The network of the most present members, with a legend of communities and edge widths."""
    ax = sheet.fig.add_subplot()
    draw_header(sheet.fig, chart.header, ax)
    ax.set_axis_off()
    if not chart.nodes:
        empty_note(sheet.fig, "Nobody was in voice in this period.")
        return
    graph = weighted_graph({node.user_id: node.voice_hours for node in chart.nodes}, chart.edges)
    partition = communities(graph)
    shown = sorted(chart.nodes, key=lambda node: (-node.voice_hours, node.user_id))[:MAX_NODES]
    shown_ids = {node.user_id for node in shown}
    edges = sorted(
        (edge for edge in chart.edges if edge[0] in shown_ids and edge[1] in shown_ids),
        key=lambda edge: -edge[2],
    )[:MAX_EDGES]
    place = positions(weighted_graph({node.user_id: 1.0 for node in shown}, edges))
    heaviest = max((hours for _, _, hours in edges), default=1.0)
    width_of = _Scale(_THINNEST_EDGE, _THICKEST_EDGE, heaviest)
    names = {node.user_id: node.name for node in shown}
    edge_lines = LineCollection(
        [(place[a], place[b]) for a, b, _ in edges],
        linewidths=[width_of(hours) for _, _, hours in edges],
        colors=[
            _colour(partition[a]) if partition[a] == partition[b] else "#CCCCCC"
            for a, b, _ in edges
        ],
        alpha=0.45,
        zorder=1,
    )
    ax.add_collection(edge_lines)
    sheet.hover_each(
        edge_lines,
        [f"{names[a]} & {names[b]}: {exact_hours(hours)} together" for a, b, hours in edges],
    )
    most = max(node.voice_hours for node in shown) or 1.0
    size_of = _Scale(_SMALLEST_NODE, _LARGEST_NODE, most)
    _nodes(sheet, ax, shown, place, size_of, partition)
    ax.margins(0.08)
    _legend(sheet, partition, shown_ids, heaviest, width_of, len(chart.nodes))


def _nodes(
    sheet: Sheet,
    ax: Axes,
    shown: list[NetworkNode],
    place: dict[int, tuple[float, float]],
    size_of: _Scale,
    partition: dict[int, int],
) -> None:
    """A dot per member, as large as their time in voice, their name above it."""
    dots = ax.scatter(
        [place[node.user_id][0] for node in shown],
        [place[node.user_id][1] for node in shown],
        s=[size_of(node.voice_hours) for node in shown],
        c=[_colour(partition[node.user_id]) for node in shown],
        edgecolors="white",
        linewidths=1.2,
        zorder=2,
    )
    sheet.hover_each(
        dots,
        [
            f"{node.name}: {exact_hours(node.voice_hours)} in voice,"
            f" group {partition[node.user_id] + 1}"
            for node in shown
        ],
    )
    for node in shown:
        ax.annotate(
            label(node.name, 14),
            place[node.user_id],
            xytext=(0, sqrt(size_of(node.voice_hours)) / 2 + 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=SMALL,
            color=INK,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            zorder=3,
        )


class _Scale:
    """Linear map from ``[0, top]`` hours to ``[smallest, largest]`` drawing units."""

    def __init__(self, smallest: float, largest: float, top: float) -> None:
        self.smallest, self.largest, self.top = smallest, largest, top or 1.0

    def __call__(self, hours: float) -> float:
        return self.smallest + (self.largest - self.smallest) * min(hours / self.top, 1.0)


def _legend(
    sheet: Sheet,
    partition: dict[int, int],
    shown: set[int],
    heaviest: float,
    width_of: _Scale,
    total_members: int,
) -> None:
    sizes = Counter(partition.values())
    handles: list[Line2D] = []
    for community in sorted({partition[user] for user in shown}):
        if community >= len(PALETTE):
            continue
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                color=_colour(community),
                label=f"group {community + 1} ({sizes[community]} members)",
            )
        )
    if any(partition[user] >= len(PALETTE) for user in shown):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                color=OTHER_COMMUNITY,
                label="smaller groups",
            )
        )
    for hours in (heaviest / 4, heaviest):
        handles.append(
            Line2D(
                [],
                [],
                color="#888888",
                linewidth=width_of(hours),
                label=f"{hours_text(hours)} together",
            )
        )
    shown_note = f"{len(shown)} of {total_members} members shown; size = time in voice"
    # Below the drawing: on the right it would take a third of a phone's width.
    sheet.fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=SMALL,
        title=shown_note if len(shown) < total_members else "size = time in voice",
        title_fontsize=SMALL,
    )

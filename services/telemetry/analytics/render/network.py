"""The community network: nodes sized by time in voice, coloured by Louvain community,
linked by lines as thick as the time the pair shared.
"""

from __future__ import annotations

from collections import Counter
from math import sqrt

from matplotlib.axes import Axes
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
    # Lightest first, so the heavy edges that tell the story are drawn on top. One line per
    # edge (not one collection) so that each carries its own hover title.
    for a, b, hours in reversed(edges):
        same = partition[a] == partition[b]
        (line,) = ax.plot(
            (place[a][0], place[b][0]),
            (place[a][1], place[b][1]),
            linewidth=width_of(hours),
            color=_colour(partition[a]) if same else "#CCCCCC",
            alpha=0.45,
            solid_capstyle="round",
            zorder=1,
        )
        sheet.hover(line, f"{names[a]} & {names[b]}: {exact_hours(hours)} together")
    most = max(node.voice_hours for node in shown) or 1.0
    size_of = _Scale(_SMALLEST_NODE, _LARGEST_NODE, most)
    for node in shown:
        _node(sheet, ax, node, place[node.user_id], size_of(node.voice_hours), partition)
    ax.margins(0.08)
    _legend(sheet, partition, shown_ids, heaviest, width_of, len(chart.nodes))


def _node(
    sheet: Sheet,
    ax: Axes,
    node: NetworkNode,
    at: tuple[float, float],
    area: float,
    partition: dict[int, int],
) -> None:
    """A dot of ``area`` square points, its name above it."""
    (dot,) = ax.plot(
        at[0],
        at[1],
        marker="o",
        markersize=sqrt(area),
        markerfacecolor=_colour(partition[node.user_id]),
        markeredgecolor="white",
        markeredgewidth=1.2,
        linestyle="",
        zorder=2,
    )
    group = partition[node.user_id] + 1
    sheet.hover(dot, f"{node.name}: {exact_hours(node.voice_hours)} in voice, group {group}")
    ax.annotate(
        label(node.name, 14),
        at,
        xytext=(0, sqrt(area) / 2 + 2),
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

"""The community network: nodes sized by time in voice, coloured by Louvain community,
linked by lines as thick as the time the pair shared.
"""

from __future__ import annotations

from collections import Counter
from math import sqrt

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from services.telemetry.analytics.charts import GraphKind, NetworkChart
from services.telemetry.analytics.network import communities, positions, weighted_graph
from services.telemetry.analytics.render.figure import (
    INK,
    PALETTE,
    draw_header,
    empty_note,
    figure,
    hours_text,
    label,
    png_bytes,
)

MAX_NODES = 50
"""Beyond this many names a picture stops being readable; the most present members are drawn,
while communities are still found on the whole graph."""
MAX_EDGES = 200
OTHER_COMMUNITY = "#BBBBBB"
_SMALLEST_NODE = 60.0
_LARGEST_NODE = 1600.0
_THINNEST_EDGE = 0.4
_THICKEST_EDGE = 9.0


def _colour(community: int) -> str:
    return PALETTE[community] if community < len(PALETTE) else OTHER_COMMUNITY


def render_network(chart: NetworkChart) -> bytes:
    """The network of the most present members, with a legend of communities and edge widths."""
    with figure(GraphKind.NETWORK) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        ax.set_axis_off()
        if not chart.nodes:
            empty_note(fig, "Nobody was in voice in this period.")
            return png_bytes(fig)

        graph = weighted_graph(
            {node.user_id: node.voice_hours for node in chart.nodes}, chart.edges
        )
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
        lines = [(place[a], place[b]) for a, b, _ in edges]
        line_colours = [
            _colour(partition[a]) if partition[a] == partition[b] else "#CCCCCC"
            for a, b, _ in edges
        ]
        ax.add_collection(
            LineCollection(
                lines,
                linewidths=[width_of(hours) for _, _, hours in edges],
                colors=line_colours,
                alpha=0.45,
                zorder=1,
            )
        )

        most = max(node.voice_hours for node in shown) or 1.0
        size_of = _Scale(_SMALLEST_NODE, _LARGEST_NODE, most)
        xs = [place[node.user_id][0] for node in shown]
        ys = [place[node.user_id][1] for node in shown]
        ax.scatter(
            xs,
            ys,
            s=[size_of(node.voice_hours) for node in shown],
            c=[_colour(partition[node.user_id]) for node in shown],
            edgecolors="white",
            linewidths=1.5,
            zorder=2,
        )
        for node, x, y in zip(shown, xs, ys, strict=True):
            ax.annotate(
                label(node.name, 18),
                (x, y),
                xytext=(0, sqrt(size_of(node.voice_hours)) / 2 + 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
                color=INK,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
                zorder=3,
            )
        ax.margins(0.08)
        _legend(ax, partition, shown_ids, heaviest, width_of, len(chart.nodes))
        return png_bytes(fig)


class _Scale:
    """Linear map from ``[0, top]`` hours to ``[smallest, largest]`` drawing units."""

    def __init__(self, smallest: float, largest: float, top: float) -> None:
        self.smallest, self.largest, self.top = smallest, largest, top or 1.0

    def __call__(self, hours: float) -> float:
        return self.smallest + (self.largest - self.smallest) * min(hours / self.top, 1.0)


def _legend(
    ax: Axes,
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
                markersize=10,
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
                markersize=10,
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
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=10,
        title=shown_note if len(shown) < total_members else "size = time in voice",
        title_fontsize=9,
    )

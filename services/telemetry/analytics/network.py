"""The community network: who plays with whom, and the groups that form.

A weighted graph (node = member, edge weight = hours of shared time) split into communities
by the Louvain method. Louvain is randomised, so a fixed seed keeps the colours of a guild's
graph stable from one request to the next. networkx and python-louvain are untyped; this module
is the one place that talks to them and hands typed values to the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import community as community_louvain
import networkx as nx

SEED = 20240601
"""Fixed seed for community detection and layout: same data, same picture."""


def weighted_graph(
    node_weights: Mapping[int, float], edge_weights: Iterable[tuple[int, int, float]]
) -> Any:
    """A ``networkx.Graph``: nodes carry ``size``, edges ``weight`` (positive weights only)."""
    graph = nx.Graph()
    for node, size in node_weights.items():
        graph.add_node(node, size=size)
    for a, b, weight in edge_weights:
        if weight > 0 and a != b:
            graph.add_edge(a, b, weight=weight)
    return graph


def communities(graph: Any, seed: int = SEED) -> dict[int, int]:
    """node -> community number; community 0 is the largest (ties by smallest node)."""
    if graph.number_of_nodes() == 0:
        return {}
    raw: dict[int, int] = community_louvain.best_partition(
        graph, weight="weight", random_state=seed
    )
    sizes = Counter(raw.values())
    smallest = {label: min(node for node, own in raw.items() if own == label) for label in sizes}
    order = sorted(sizes, key=lambda label: (-sizes[label], smallest[label]))
    renumber = {label: number for number, label in enumerate(order)}
    return {node: renumber[label] for node, label in raw.items()}


def modularity(partition: Mapping[int, int], graph: Any) -> float:
    """Newman's weighted modularity of a partition (higher: tighter groups)."""
    if graph.number_of_edges() == 0:
        return 0.0
    return float(community_louvain.modularity(dict(partition), graph, weight="weight"))


def positions(graph: Any, seed: int = SEED) -> dict[int, tuple[float, float]]:
    """A force-directed layout in which members who share more time sit closer."""
    if graph.number_of_nodes() == 0:
        return {}
    heaviest = max((w for _, _, w in graph.edges(data="weight")), default=1.0)
    layout_graph = nx.Graph()
    layout_graph.add_nodes_from(graph.nodes)
    # Raw hours make the strongest pairs collapse onto each other; scaled to at most 1 the
    # pull stays comparable with the layout's repulsion.
    layout_graph.add_weighted_edges_from(
        (a, b, 0.05 + w / heaviest) for a, b, w in graph.edges(data="weight")
    )
    # Unconnected groups drift to the corners of a force layout and leave the picture empty
    # in the middle; a faint pull towards a hidden hub keeps them in view.
    hub = object()
    layout_graph.add_weighted_edges_from((hub, node, 0.3) for node in graph.nodes)
    spread = 2.5 / max(graph.number_of_nodes(), 1) ** 0.5
    placed = nx.spring_layout(layout_graph, weight="weight", seed=seed, k=spread, iterations=80)
    return {node: (float(x), float(y)) for node, (x, y) in placed.items() if node is not hub}

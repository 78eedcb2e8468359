"""The community network: weighted graph, Louvain communities, layout."""

from __future__ import annotations

import networkx as nx

from services.telemetry.analytics.network import (
    SEED,
    communities,
    modularity,
    positions,
    weighted_graph,
)


def test_karate_club_partition_is_modular() -> None:
    """On Zachary's karate club the seeded partition reaches a modularity of at least 0.40."""
    karate = nx.karate_club_graph()
    partition = communities(karate, seed=SEED)
    assert len(partition) == karate.number_of_nodes()
    assert modularity(partition, karate) >= 0.40


def test_two_cliques_joined_by_a_thin_edge_are_two_communities() -> None:
    """Two tight groups linked by one weak pair split into two numbered communities."""
    left = [(a, b, 10.0) for a in range(4) for b in range(a + 1, 4)]
    right = [(a, b, 10.0) for a in range(10, 15) for b in range(a + 1, 15)]
    graph = weighted_graph(
        {n: 1.0 for n in [*range(4), *range(10, 15)]}, [*left, *right, (3, 10, 0.5)]
    )
    partition = communities(graph)
    assert {partition[n] for n in range(10, 15)} == {0}  # the larger group is community 0
    assert {partition[n] for n in range(4)} == {1}


def test_communities_are_stable_for_a_seed() -> None:
    """The same graph and seed give the same partition."""
    graph = nx.les_miserables_graph()
    assert communities(graph, seed=3) == communities(graph, seed=3)


def test_empty_graph_has_no_communities_or_positions() -> None:
    """An empty graph yields empty results rather than an error."""
    graph = weighted_graph({}, [])
    assert communities(graph) == {}
    assert positions(graph) == {}
    assert modularity({}, graph) == 0.0


def test_isolated_members_are_placed_and_zero_weights_dropped() -> None:
    """Members without partners still get a position; non-positive edges are ignored."""
    graph = weighted_graph({1: 2.0, 2: 1.0, 3: 0.5}, [(1, 2, 3.0), (2, 3, 0.0)])
    assert graph.number_of_edges() == 1
    assert set(positions(graph)) == {1, 2, 3}

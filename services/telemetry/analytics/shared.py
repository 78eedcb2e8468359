"""Shared time: how long each pair of members sat in the same voice channel.

The computation sweeps the presence endpoints of each channel in time order, keeping the set
of members present. Comparing every session with every other one would cost the square of the
number of sessions; the sweep costs one sort per channel plus, at each leave, one step per
member still present.

Crediting a pair when the first of the two leaves, with ``leave - max(join_a, join_b)``, is the
same sum as crediting every present pair with each elementary interval between two consecutive
endpoints: a pair's elementary intervals are exactly the pieces of that span. It is cheaper
(one step per present member instead of one per present pair per interval) and adds up exact
differences instead of many small slices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from services.telemetry.analytics.presence import JOIN, ChannelPresence, endpoints

type Pair = tuple[int, int]
"""Two user ids, smaller first."""


def pair_of(a: int, b: int) -> Pair:
    """The canonical key for a pair of users."""
    return (a, b) if a < b else (b, a)


def shared_time(channels: Mapping[int, ChannelPresence]) -> dict[Pair, float]:
    """Seconds each pair of members spent together in the same channel (pairs with time only).

    ``channels`` comes from ``presence_by_channel``: the intervals of one member in one channel
    are already merged, so presence is a plain join/leave alternation. Time in different
    channels adds up.
    """
    totals: defaultdict[Pair, float] = defaultdict(float)
    for presence in channels.values():
        joined_at: dict[int, float] = {}
        for instant, kind, user in endpoints(presence):
            if kind == JOIN:
                joined_at[user] = instant
                continue
            since = joined_at.pop(user)
            for other, other_since in joined_at.items():
                together = instant - max(since, other_since)
                if together > 0:
                    totals[pair_of(user, other)] += together
    return dict(totals)


@dataclass(frozen=True, slots=True)
class PairTime:
    """Shared time of one pair of members."""

    user_a: int
    user_b: int
    seconds: float


def top_pairs(totals: Mapping[Pair, float], limit: int) -> list[PairTime]:
    """The ``limit`` pairs with the most shared time, most first (ties by user ids)."""
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [PairTime(a, b, seconds) for (a, b), seconds in ranked[:limit] if seconds > 0]

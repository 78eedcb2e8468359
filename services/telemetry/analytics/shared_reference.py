"""The naive way to compute shared time, kept as a yardstick for the sweep in ``shared.py``.

It compares every presence interval with every other one, whatever their channel: quadratic
in the number of intervals. Tests check the sweep against it and the benchmark measures both.
Nothing in the bot calls it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from services.telemetry.analytics.presence import ChannelPresence
from services.telemetry.analytics.shared import Pair, pair_of


def shared_time_pairwise(channels: Mapping[int, ChannelPresence]) -> dict[Pair, float]:
    """Seconds each pair spent in the same channel, by comparing all pairs of intervals."""
    flat = [
        (channel, user, start, end)
        for channel, presence in channels.items()
        for user, intervals in presence.items()
        for start, end in intervals
    ]
    totals: defaultdict[Pair, float] = defaultdict(float)
    for index, (channel, user, start, end) in enumerate(flat):
        for other_channel, other, other_start, other_end in flat[index + 1 :]:
            if other_channel != channel or other == user:
                continue
            overlap = min(end, other_end) - max(start, other_start)
            if overlap > 0:
                totals[pair_of(user, other)] += overlap
    return dict(totals)

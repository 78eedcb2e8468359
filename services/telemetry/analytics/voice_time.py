"""Time in voice per member, and how much of it they spent alone.

What counts (see ``presence`` for the filtering):

- *time in voice* is the length of the union of a member's presence in every counted channel
  (so not the AFK channel) within the period: each instant once, however many records cover it;
- *time alone* is the part of it during which no other member (bots are not members here) was
  in the same channel;
- bots get no time at all and never keep anyone company.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from services.telemetry.analytics.presence import (
    JOIN,
    ChannelPresence,
    Interval,
    endpoints,
    merge_intervals,
    presence_by_user,
    total_length,
)


@dataclass(frozen=True, slots=True)
class MemberVoiceTime:
    """One member's time in voice within the period, in seconds."""

    user_id: int
    total: float
    alone: float

    @property
    def with_others(self) -> float:
        """Time in voice spent with at least one other member in the channel."""
        return self.total - self.alone


def alone_intervals(channels: Mapping[int, ChannelPresence]) -> dict[int, list[Interval]]:
    """user id -> the merged intervals during which they were the only member in their channel."""
    alone: defaultdict[int, list[Interval]] = defaultdict(list)
    for presence in channels.values():
        present: set[int] = set()
        previous = 0.0
        for instant, kind, user in endpoints(presence):
            if len(present) == 1 and instant > previous:
                (lonely,) = present
                alone[lonely].append((previous, instant))
            if kind == JOIN:
                present.add(user)
            else:
                present.discard(user)
            previous = instant
    return {user: merge_intervals(spans) for user, spans in alone.items()}


def voice_time(channels: Mapping[int, ChannelPresence]) -> list[MemberVoiceTime]:
    """Every member with time in voice, most time first (ties by user id)."""
    alone = alone_intervals(channels)
    rows = [
        MemberVoiceTime(user, total_length(spans), total_length(alone.get(user, ())))
        for user, spans in presence_by_user(channels).items()
    ]
    rows.sort(key=lambda row: (-row.total, row.user_id))
    return rows

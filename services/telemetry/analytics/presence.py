"""Who was present where: sessions turned into disjoint presence intervals.

Every metric starts here, so the rules of what counts live in one place:

- only sessions of the guild, clipped to the period;
- never the AFK channel (being parked there is not playing);
- never bots (a music bot neither plays nor keeps anyone company);
- a member is present in a channel while *any* of their sessions there is open: overlapping or
  touching sessions of the same member in the same channel merge into one interval, so
  duplicated records never count twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from services.telemetry.analytics.sessions import GuildClock, Period, Roster, VoiceSession

type Interval = tuple[float, float]
"""``(start, end)`` in unix seconds, ``start < end``."""

type ChannelPresence = dict[int, list[Interval]]
"""user id -> that member's disjoint, sorted presence intervals in one channel."""


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals as a sorted list of disjoint, non-touching intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


LEAVE = 0
JOIN = 1


def endpoints(presence: ChannelPresence) -> list[tuple[float, int, int]]:
    """``(instant, LEAVE or JOIN, user id)`` for every interval of one channel, in time order.

    Leaves sort before joins at the same instant: touching intervals are not an overlap.
    """
    events: list[tuple[float, int, int]] = []
    for user, intervals in presence.items():
        for start, end in intervals:
            events.append((start, JOIN, user))
            events.append((end, LEAVE, user))
    events.sort()
    return events


def total_length(intervals: Iterable[Interval]) -> float:
    """Sum of interval lengths, in seconds."""
    return sum(end - start for start, end in intervals)


def presence_by_channel(
    sessions: Iterable[VoiceSession],
    clock: GuildClock,
    roster: Roster,
    period: Period | None = None,
) -> dict[int, ChannelPresence]:
    """channel id -> user id -> presence intervals, following the rules of this module."""
    low, high = period.bounds if period is not None else (float("-inf"), float("inf"))
    raw: defaultdict[int, defaultdict[int, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    for session in sessions:
        if session.guild_id != clock.guild_id or session.channel_id == clock.afk_channel_id:
            continue
        if roster.is_bot(session.user_id):
            continue
        start = max(session.start.timestamp(), low)
        end = min(session.end.timestamp(), high)
        if start < end:
            raw[session.channel_id][session.user_id].append((start, end))
    return {
        channel: {user: merge_intervals(spans) for user, spans in users.items()}
        for channel, users in raw.items()
    }


def presence_by_user(channels: Mapping[int, ChannelPresence]) -> dict[int, list[Interval]]:
    """user id -> the union of their presence over all channels.

    Discord keeps a member in one voice channel at a time; the union makes sure a record that
    says otherwise still counts each instant once.
    """
    spans: defaultdict[int, list[Interval]] = defaultdict(list)
    for users in channels.values():
        for user, intervals in users.items():
            spans[user].extend(intervals)
    return {user: merge_intervals(intervals) for user, intervals in spans.items()}

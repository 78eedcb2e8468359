"""Which guilds the engines that act on hours must look at: those that changed, and those
whose due time has come.

Reminders, calls, nudges, the week-ahead post and the voice status once looked at every
guild on any change anywhere: work that grew with the number of guilds for each click
(issue #31). Each guild now has one due time, the earliest instant at which one of the
engines said it wants to look again; the due times sit in a heap of ``(due, guild)``.
A guild is looked at when it changed (``touch``), when its due time comes, or when a
request failed and the retry pause is over. Setting a guild's due time again leaves its
older heap entry where it is: an entry whose time is no longer the guild's is stale and
skipped when it reaches the top (the "lazy deletion" of the ``heapq`` documentation's
priority queue notes, https://docs.python.org/3/library/heapq.html).
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import Counter
from collections.abc import Iterable


class DueGuilds:
    """The guilds to look at now, and the calendar instant the next one falls due."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int]] = []
        self._due: dict[int, float] = {}  # guild -> its due time (other heap entries: stale)
        self._touched: set[int] = set()
        self.changed = asyncio.Event()  # wakes the loop early: a guild was touched
        self.looked: Counter[int] = Counter()  # looks per guild, for the status and the tests

    def touch(self, guild_id: int) -> None:
        """Something the engines read changed in ``guild_id``: look at it at once."""
        self._touched.add(guild_id)
        self.changed.set()

    def touch_all(self, guild_ids: Iterable[int]) -> None:
        """Look at each of ``guild_ids`` at once (a start, or a member forgotten everywhere)."""
        for guild_id in guild_ids:
            self.touch(guild_id)

    def pending(self, guild_id: int) -> bool:
        """Whether ``guild_id`` was touched and not looked at since."""
        return guild_id in self._touched

    def due_at(self, guild_id: int, at: float) -> None:
        """Look at ``guild_id`` again at calendar instant ``at`` (``inf``: only on a change)."""
        if self._due.get(guild_id) == at:
            return
        if math.isinf(at):
            self._due.pop(guild_id, None)
            return
        self._due[guild_id] = at
        heapq.heappush(self._heap, (at, guild_id))

    def take(self, now: float) -> list[int]:
        """The guilds to look at now (touched, or due at ``now`` or before), each once, in
        guild order; they are no longer due until ``due_at`` says again."""
        found = self._touched
        self._touched = set()
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, guild_id = heapq.heappop(heap)
            if self._due.get(guild_id) == at:
                del self._due[guild_id]
                found.add(guild_id)
        self.looked.update(found)
        return sorted(found)

    def next_due(self) -> float:
        """The earliest due time of any guild (``inf`` when none is due); stale entries on
        the top of the heap are dropped on the way."""
        heap = self._heap
        while heap and self._due.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else math.inf

    def __len__(self) -> int:
        return len(self._due)

"""The due-time heap: which guilds the engines look at, and when the next falls due."""

from __future__ import annotations

import math

from services.scheduler.due import DueGuilds


def test_a_touched_guild_is_taken_once() -> None:
    """A guild touched twice is looked at once, and only it."""
    due = DueGuilds()
    due.touch(2)
    due.touch(2)
    assert due.changed.is_set()
    assert due.take(now=0.0) == [2]
    assert due.take(now=0.0) == []
    assert due.looked == {2: 1}


def test_guilds_fall_due_in_time_order() -> None:
    """Each guild is taken when its due time comes, the earliest driving the next wake."""
    due = DueGuilds()
    due.due_at(1, 300.0)
    due.due_at(2, 100.0)
    due.due_at(3, math.inf)  # only on a change
    assert due.next_due() == 100.0
    assert due.take(now=99.0) == []
    assert due.take(now=100.0) == [2]
    assert due.next_due() == 300.0
    assert due.take(now=1000.0) == [1]
    assert due.next_due() == math.inf


def test_a_due_time_set_again_leaves_no_stale_wake() -> None:
    """Moving a guild's due time later makes its earlier heap entry stale: ignored."""
    due = DueGuilds()
    due.due_at(1, 100.0)
    due.due_at(1, 500.0)
    due.due_at(2, 200.0)
    assert due.next_due() == 200.0
    assert due.take(now=150.0) == []
    assert due.take(now=500.0) == [1, 2]
    due.due_at(3, 50.0)
    due.due_at(3, math.inf)
    assert due.next_due() == math.inf
    assert due.take(now=1000.0) == []
    assert len(due) == 0

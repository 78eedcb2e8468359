"""A burst of changes becomes a few flushes, the last one after the last change."""

from __future__ import annotations

import asyncio
import time

from bus.tasks import TaskSet
from services.scheduler.coalesce import Coalescer
from tests.helpers import eventually


async def test_fifty_changes_in_two_seconds_give_at_most_three_flushes() -> None:
    """The last flush sees the last change and comes well within a second of it."""

    tasks = TaskSet()
    state = {"value": 0}
    flushed: list[tuple[float, int]] = []

    async def flush() -> bool:
        flushed.append((time.monotonic(), state["value"]))
        return True

    coalescer = Coalescer(flush, tasks, name="test")
    for value in range(1, 51):
        state["value"] = value
        coalescer.poke()
        await asyncio.sleep(0.04)  # pacing the burst over 2 s, not synchronising
    last_change = time.monotonic()
    await eventually(lambda: not coalescer.pending, 5.0, "the last flush")
    await eventually(lambda: flushed[-1][1] == 50, 5.0, "the flush to show the last change")
    assert 1 <= len(flushed) <= 3
    assert flushed[-1][0] - last_change < 1.0
    await tasks.cancel_all()


async def test_a_failed_flush_is_tried_again() -> None:
    """A flush that reports failure (Discord unreachable) runs again after the retry delay."""

    tasks = TaskSet()
    outcomes = [False, True]
    calls: list[int] = []

    async def flush() -> bool:
        calls.append(1)
        return outcomes[len(calls) - 1]

    coalescer = Coalescer(flush, tasks, name="test", quiet=0.01, retry_after=0.05)
    coalescer.poke()
    await eventually(lambda: len(calls) == 2, 5.0, "the second try")
    await eventually(lambda: not coalescer.pending, 5.0, "nothing left to flush")
    await tasks.cancel_all()


async def test_a_flush_that_raises_is_logged_and_tried_again() -> None:
    """An unexpected error in a flush does not stop later flushes."""

    tasks = TaskSet()
    calls: list[int] = []

    async def flush() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return True

    coalescer = Coalescer(flush, tasks, name="test", quiet=0.01, retry_after=0.05)
    coalescer.poke()
    await eventually(lambda: len(calls) == 2, 5.0, "the second try")
    await tasks.cancel_all()

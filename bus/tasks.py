"""Background tasks that are neither garbage-collected mid-flight nor fail silently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """Keeps a reference to every background task and logs the ones that fail.

    asyncio holds only weak references to tasks, so a task nobody keeps may
    vanish; and an exception in a task nobody awaits is otherwise only
    reported when the task is collected, if ever.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, name: str, eager: bool = False
    ) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, logging its failure if it fails.

        ``eager`` runs it at once up to its first suspension (a coroutine that
        never suspends finishes before ``spawn`` returns).
        """
        task = asyncio.Task(coro, loop=asyncio.get_running_loop(), name=name, eager_start=eager)
        if task.done():
            self._finished(task)
            return task
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("background task %s failed", task.get_name(), exc_info=error)

    async def cancel_all(self, timeout: float = 5.0) -> None:
        """Cancel every task and wait (bounded) for them to finish."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

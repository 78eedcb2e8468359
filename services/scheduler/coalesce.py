"""Many changes, few edits: a burst of reactions becomes a handful of message edits.

Edits of messages in one channel share one Discord rate-limit bucket (five per five
seconds), so one edit per click would queue and lag behind a busy hour. A ``Coalescer``
runs its ``flush`` once the changes pause for ``quiet`` seconds, or at the latest
``max_wait`` seconds after the first unflushed change; never two flushes at once, and a
change made during a flush brings another one. The flush reads the state when it runs, so
the last flush always shows the last change.

With the defaults, 50 reactions spread over 2 s give two edits, the last 0.4 s after the
last reaction (``bench/scheduler.py`` measures it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bus.tasks import TaskSet

log = logging.getLogger(__name__)

QUIET = 0.4
MAX_WAIT = 1.2
RETRY_AFTER = 5.0


class Coalescer:
    """Calls ``flush`` after changes settle; see the module docstring."""

    def __init__(
        self,
        flush: Callable[[], Awaitable[bool]],
        tasks: TaskSet,
        *,
        name: str,
        quiet: float = QUIET,
        max_wait: float = MAX_WAIT,
        retry_after: float = RETRY_AFTER,
    ) -> None:
        self._flush = flush
        self._tasks = tasks
        self._name = name
        self._quiet = quiet
        self._max_wait = max_wait
        self._retry_after = retry_after
        self._first = 0.0  # monotonic time of the first unflushed change, 0 when clean
        self._last = 0.0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        """True while a change waits for its flush."""
        return self._first > 0.0

    def poke(self) -> None:
        """Note a change; ``flush`` will follow."""
        now = time.monotonic()
        if not self._first:
            self._first = now
        self._last = now
        self._changed.set()
        if self._task is None or self._task.done():
            self._task = self._tasks.spawn(self._run(), name=f"coalesce.{self._name}")

    async def _run(self) -> None:
        while self._first:
            await self._settle()
            self._first = 0.0
            self._changed.clear()
            try:
                done = await self._flush()
            except Exception:
                log.exception("%s: update failed; trying again soon", self._name)
                done = False
            if not done and not self._first:
                await asyncio.sleep(self._retry_after)
                if not self._first:
                    self._first = self._last = time.monotonic()

    async def _settle(self) -> None:
        """Wait until the changes pause for ``quiet`` or ``max_wait`` has passed since the first."""
        while True:
            now = time.monotonic()
            due = min(self._last + self._quiet, self._first + self._max_wait)
            if now >= due:
                return
            self._changed.clear()
            try:
                async with asyncio.timeout(due - now):
                    await self._changed.wait()
            except TimeoutError:
                return

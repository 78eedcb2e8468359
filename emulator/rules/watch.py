"""Waiting on the emulator's state instead of sleeping: every change wakes the waiters."""

import asyncio
from collections.abc import Callable


class Changes:
    """A change counter that coroutines can wait on until a condition holds."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.version = 0

    def touch(self) -> None:
        """Record that something changed and wake everyone waiting."""
        self.version += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Return once ``predicate()`` holds; raise ``TimeoutError`` after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                event = self._event
                if predicate():
                    return
                await event.wait()

"""Small tools the tests share: bounded waits and short private directories."""

from __future__ import annotations

import asyncio
import stat
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def run[T](coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run ``coro`` to completion on a fresh loop, failing after ``timeout`` seconds."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` (a fact outside this process) until true, or fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


async def eventually(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """The asyncio twin of ``wait_until``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


async def until_answered(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """``eventually`` for a condition that must be asked for (a request to another process,
    such as telemetry's record or the dashboard's page), asked again until it holds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


def not_private(*folders: Path) -> list[str]:
    """What in ``folders`` (themselves included) another local user could read or enter:
    every file the bot writes must be 0600 and every folder 0700, whatever the umask."""
    found = []
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            info = path.lstat()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                continue
            if (mode != 0o700) if stat.S_ISDIR(info.st_mode) else bool(mode & 0o077):
                found.append(f"{oct(mode)} {path}")
    return found


def midday_zone(now: float | None = None) -> str:
    """A fixed-offset IANA zone where it is now between 12:00 and 13:00.

    Tests that run the bot on the real clock use it as the community's timezone, so that
    the community day cannot change while they run, whatever the hour in UTC.
    """
    hour = time.gmtime(time.time() if now is None else now).tm_hour
    offset = 12 - hour  # -11 .. 12; Etc/GMT names count the other way round
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT-{offset}" if offset > 0 else f"Etc/GMT+{-offset}"


@dataclass
class HandClock:
    """A ``Clock`` (``bus.clock``) that reads ``t``, moved only by the test."""

    t: float = 0.0

    def now(self) -> float:
        return self.t

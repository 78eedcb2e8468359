"""Fixtures every test folder may use, and how ``async def`` tests run.

An ``async def test_...`` runs on a fresh event loop of its own, bounded: 60 seconds, or
what ``@pytest.mark.within(seconds)`` says (see ``tests.helpers.run``).
"""

from __future__ import annotations

import contextlib
import inspect
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from bus.broker import Broker
from bus.client import BusClient
from bus.endpoints import Endpoints
from emulator import Emulator
from tests.helpers import run

ASYNC_TEST_TIMEOUT = 60.0

# Property tests draw the same examples on every run and on every machine, and are never
# failed for being slow: a loaded CI worker is not a bug (Hypothesis' own default deadline
# is 200 ms per example). A test's own @settings still set its count of examples.
settings.register_profile("squadtime", deadline=None, derandomize=True)
settings.load_profile("squadtime")


TEARDOWN_ALLOWANCE = 30.0
"""Seconds pytest-timeout adds to a ``within`` bound, for fixtures to stop what they started."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A ``within`` bound is also pytest-timeout's, so the test's own bound is the one met
    (pytest-timeout's default would otherwise cut a longer test first)."""
    for item in items:
        marker = item.get_closest_marker("within")
        if marker is not None and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(float(marker.args[0]) + TEARDOWN_ALLOWANCE))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a coroutine test to completion within its bound."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    marker = pyfuncitem.get_closest_marker("within")
    timeout = float(marker.args[0]) if marker is not None else ASYNC_TEST_TIMEOUT
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    run(pyfuncitem.obj(**arguments), timeout=timeout)
    return True


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A private temporary directory with a short path: ipc socket paths max out near 100 bytes."""
    path = Path(tempfile.mkdtemp(prefix="sqt-", dir="/tmp"))
    path.chmod(0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def endpoints(short_tmp: Path) -> Iterator[Endpoints]:
    """A running in-process broker's endpoints, on private ipc sockets."""
    endpoints = Endpoints.ipc(short_tmp)
    broker = Broker(endpoints)
    broker.start()
    yield endpoints
    broker.stop()


@pytest.fixture(autouse=True)
def nothing_left_open(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every bus client and emulator a test starts is closed by its end, even when the test
    fails; one left open fails the test that opened it (as pyzmq's ``sockets`` fixture does)."""
    opened: dict[int, BusClient | Emulator] = {}
    for kind in (BusClient, Emulator):
        start, close = kind.start, kind.close

        async def started(self: Any, *args: Any, _start: Any = start, **kwargs: Any) -> None:
            opened[id(self)] = self
            await _start(self, *args, **kwargs)

        async def closed(self: Any, *args: Any, _close: Any = close, **kwargs: Any) -> None:
            opened.pop(id(self), None)
            await _close(self, *args, **kwargs)

        monkeypatch.setattr(kind, "start", started)
        monkeypatch.setattr(kind, "close", closed)
    yield
    left = list(opened.values())
    for thing in left:
        with contextlib.suppress(Exception):
            run(thing.close(), timeout=10)
    assert not left, f"left open: {', '.join(type(thing).__name__ for thing in left)}"

"""Fixtures every test folder may use."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bus.broker import Broker
from bus.endpoints import Endpoints


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

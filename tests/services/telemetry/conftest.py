"""Fixtures of the telemetry tests: a fresh database and its recorder."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.telemetry.database import connect
from services.telemetry.ingest import Recorder


@pytest.fixture
def db_path(short_tmp: Path) -> Path:
    """Where the test's database lives."""
    return short_tmp / "data" / "telemetry.db"


@pytest.fixture
def connection(db_path: Path) -> Iterator[sqlite3.Connection]:
    """An open, fully migrated database."""
    opened = connect(db_path)
    yield opened
    opened.close()


@pytest.fixture
def recorder(connection: sqlite3.Connection) -> Recorder:
    """The writer of facts over ``connection``."""
    return Recorder(connection)

"""The database's size: two months of a 100-member community take under 70 KB."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bus.protocol import MarkFacts
from services.telemetry.database import connect
from services.telemetry.days import record_mark
from services.telemetry.ingest import Recorder
from services.telemetry.sessions import REPAIR_WINDOW
from tests.services.telemetry.events import envelope, voice

GUILD = 1_234_567_890_123_456_789  # Discord-sized ids: 8 bytes wherever they are stored
CHANNEL = GUILD + 11
MEMBERS = [GUILD + 1_000 + n for n in range(100)]
DAYS = 61
START = 1_800_000_000.0


def _two_months(path: Path) -> tuple[int, int]:
    """Voice stays and reaction marks of a community's evenings; return (stays, marks)."""
    rng = random.Random(11)  # the community of bench/telemetry.py
    connection = connect(path)
    connection.execute("PRAGMA synchronous = OFF")  # the size does not depend on it
    recorder = Recorder(connection)
    keenness = {user: rng.random() for user in MEMBERS}
    marks = 0
    for day in range(DAYS):
        evening = START + day * 86400 + 18 * 3600
        batch = []
        for user, keen in keenness.items():
            if rng.random() > keen * 0.5:
                continue
            join = evening + rng.uniform(0, 4 * 3600)
            leave = join + rng.uniform(600, 3 * 3600)
            batch += [
                envelope(voice(user, 0, CHANNEL, join, GUILD)),
                envelope(voice(user, CHANNEL, 0, leave, GUILD)),
            ]
            for hour in range(18, 18 + rng.randint(1, 3)):
                local = datetime.fromtimestamp(evening, UTC).date()
                record_mark(connection, GUILD, local, MarkFacts(user, hour, "reaction", at=evening))
                marks += 1
        batch.sort(key=lambda sent: sent.time)
        recorder.ingest(connection, batch, evening + 86400)
    recorder.ingest(connection, [], START + DAYS * 86400 + REPAIR_WINDOW + 1)
    (stays,) = connection.execute("SELECT count(*) FROM voice_stays").fetchone()
    connection.close()
    return int(stays), marks


def _vacuumed(path: Path, table: str = "") -> int:
    """The file's bytes after emptying ``table`` (if given) and vacuuming."""
    connection = sqlite3.connect(path, isolation_level=None)
    if table:
        connection.execute(f"DELETE FROM {table}")  # noqa: S608 -- names from this file
    connection.execute("VACUUM")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path.stat().st_size


def test_two_months_of_a_community_take_under_70_kb(db_path: Path) -> None:
    """100 members, 61 days, Discord-sized ids: under 70 KB beyond the empty database,
    under 20 B a stay, 12 B a mark.

    The empty database is one 1 KB page per table and index (the dead letters, the
    dashboard's sessions, absences among them), there whatever the community does: the
    bytes per stay and per mark are what grows with it."""
    empty_path = db_path.with_name("empty.db")
    connect(empty_path).close()
    empty = _vacuumed(empty_path)
    assert empty < 48_000  # the schema's own pages
    stays, marks = _two_months(db_path)
    assert stays > 1_000  # a lively community, not an empty file
    assert marks > 2_000
    total = _vacuumed(db_path)
    without_marks = _vacuumed(db_path, "marks")
    without_stays = _vacuumed(db_path, "voice_stays")
    assert total - empty < 70_000
    assert (without_marks - without_stays) / stays < 20
    assert (total - without_marks) / marks < 12

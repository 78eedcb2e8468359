"""Marks of a community day: one row per member, day and source, read back mark by mark."""

from __future__ import annotations

import sqlite3
from datetime import date

from bus.protocol import MarkFacts
from services.telemetry.days import get_day, record_mark

GUILD, OTHER = 1_234_567_890_123_456_789, 1_234_567_890_123_456_790
DAY = date(2027, 1, 15)
T = 1_800_000_000.0


def mark(user: int, hour: int, source: str, at: float, *, cancelled: bool = False) -> MarkFacts:
    """A mark as the scheduler records it."""
    return MarkFacts(user_id=user, hour=hour, source=source, cancelled=cancelled, at=at)


def facts(connection: sqlite3.Connection, guild: int = GUILD) -> list[tuple[int, int, str, bool]]:
    """(hour, user, source, cancelled) of the day's marks, in the order they are answered."""
    return [
        (m.hour, m.user_id, m.source, m.cancelled) for m in get_day(connection, guild, DAY).marks
    ]


def test_marks_read_back_by_hour_member_and_source(connection: sqlite3.Connection) -> None:
    """Hours, members, sources and cancellations come back as recorded, in a stable order."""
    for recorded in (
        mark(2, 21, "voice", T),
        mark(1, 21, "reaction", T),
        mark(1, 20, "reaction", T),
        mark(1, 23, "schedule", T, cancelled=True),
        mark(1, 0, "reaction", T),
        mark(2, 21, "reaction", T, cancelled=True),
    ):
        record_mark(connection, GUILD, DAY, recorded)
    assert facts(connection) == [
        (0, 1, "reaction", False),
        (20, 1, "reaction", False),
        (21, 1, "reaction", False),
        (21, 2, "reaction", True),
        (21, 2, "voice", False),
        (23, 1, "schedule", True),
    ]
    (rows,) = connection.execute("SELECT count(*) FROM marks").fetchone()
    assert rows == 4  # member 1: reaction, schedule; member 2: reaction, voice


def test_cancel_and_restore_one_hour_keeps_the_others(connection: sqlite3.Connection) -> None:
    """Taking one hour back and giving it again leaves the member's other hours alone."""
    for hour in (20, 21, 22):
        record_mark(connection, GUILD, DAY, mark(1, hour, "reaction", T))
    record_mark(connection, GUILD, DAY, mark(1, 21, "reaction", T + 10, cancelled=True))
    assert facts(connection) == [
        (20, 1, "reaction", False),
        (21, 1, "reaction", True),
        (22, 1, "reaction", False),
    ]
    record_mark(connection, GUILD, DAY, mark(1, 21, "reaction", T + 20))
    assert [cancelled for *_, cancelled in facts(connection)] == [False, False, False]


def test_an_older_change_only_fills_an_unknown_hour(connection: sqlite3.Connection) -> None:
    """A re-sent older change adds an hour the day did not hold, but never undoes a newer one."""
    record_mark(connection, GUILD, DAY, mark(1, 20, "reaction", T + 100, cancelled=True))
    record_mark(connection, GUILD, DAY, mark(1, 20, "reaction", T))  # older: loses
    record_mark(connection, GUILD, DAY, mark(1, 21, "reaction", T))  # older, but news
    assert facts(connection) == [(20, 1, "reaction", True), (21, 1, "reaction", False)]
    assert {m.at for m in get_day(connection, GUILD, DAY).marks} == {T + 100}


def test_guilds_and_days_are_kept_apart(connection: sqlite3.Connection) -> None:
    """The same member's marks in another guild or on another day stay out of the day."""
    record_mark(connection, GUILD, DAY, mark(1, 20, "reaction", T))
    record_mark(connection, OTHER, DAY, mark(1, 21, "reaction", T))
    record_mark(connection, GUILD, date(2027, 1, 16), mark(1, 22, "reaction", T))
    assert facts(connection) == [(20, 1, "reaction", False)]
    assert facts(connection, OTHER) == [(21, 1, "reaction", False)]


def test_a_maybe_is_kept_once_beside_an_in_and_a_resend_changes_nothing(
    connection: sqlite3.Connection,
) -> None:
    """A maybe is its own row beside a reaction; sent twice (a retry after a crash) it is
    one mark; withdrawn, an older re-send of it does not bring it back."""
    record_mark(connection, GUILD, DAY, mark(1, 21, "reaction", T))
    for _ in range(2):
        record_mark(connection, GUILD, DAY, mark(1, 21, "maybe", T))
    assert facts(connection) == [(21, 1, "reaction", False), (21, 1, "maybe", False)]
    record_mark(connection, GUILD, DAY, mark(1, 21, "maybe", T + 10, cancelled=True))
    record_mark(connection, GUILD, DAY, mark(1, 21, "maybe", T))  # the old request, late
    assert facts(connection) == [(21, 1, "reaction", False), (21, 1, "maybe", True)]
    (rows,) = connection.execute("SELECT count(*) FROM marks WHERE source = 4").fetchone()
    assert rows == 1

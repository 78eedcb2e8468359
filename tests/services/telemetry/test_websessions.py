"""The dashboard's sessions as telemetry keeps them: open, found, expired, ended."""

from __future__ import annotations

import sqlite3

from services.telemetry.websessions import end_sessions, find_session, open_session


def test_a_session_is_found_until_its_life_ends(connection: sqlite3.Connection) -> None:
    """Found with its guilds while open; past its expiry it opens nothing, whatever the
    cookie says."""
    open_session(connection, "t1", 7, [1, 2], opened=1000.0, expires=2000.0)
    assert find_session(connection, "t1", 1500.0) == (7, [1, 2])
    assert find_session(connection, "t1", 2000.0) == (0, [])
    assert find_session(connection, "nobody's", 1500.0) == (0, [])


def test_log_out_everywhere_ends_every_browser_of_the_member_only(
    connection: sqlite3.Connection,
) -> None:
    """Ana's two browsers end together; Ben's session stays open."""
    for token, user in (("ana-phone", 7), ("ana-laptop", 7), ("ben", 8)):
        open_session(connection, token, user, [1], opened=1000.0, expires=9000.0)
    assert end_sessions(connection, "ana-phone", everywhere=True) == 2
    assert find_session(connection, "ana-laptop", 1500.0) == (0, [])
    assert find_session(connection, "ben", 1500.0) == (8, [1])

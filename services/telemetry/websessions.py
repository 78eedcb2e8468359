"""The dashboard's sessions: opened at login, looked up on every page, ended at logout.

The web program keeps no state and opens no database, so the record of which sessions are
still open lives here, with the rest of the record. A cookie is then only a key: once its
session is ended here, a copy of the cookie made before the logout opens nothing. Only a
hash of the cookie's secret is stored, so a copy of the database (a backup) opens nothing
either.
"""

from __future__ import annotations

import json
import sqlite3

from services.telemetry.database import transaction


def open_session(
    connection: sqlite3.Connection,
    token: str,
    user_id: int,
    guild_ids: list[int],
    opened: float,
    expires: float,
) -> None:
    """Keep a new session; sessions whose life ended before this one opened are dropped."""
    with transaction(connection):
        connection.execute("DELETE FROM web_sessions WHERE expires < ?", (opened,))
        connection.execute(
            "INSERT OR REPLACE INTO web_sessions (token, user_id, expires, guild_ids)"
            " VALUES (?, ?, ?, ?)",
            (token, user_id, expires, json.dumps(guild_ids)),
        )


def find_session(connection: sqlite3.Connection, token: str, now: float) -> tuple[int, list[int]]:
    """The session's member and guilds; ``(0, [])`` for a session that is not open (ended,
    or past its life at the real instant ``now``: the cookie's own expiry is not the only
    guard)."""
    row = connection.execute(
        "SELECT user_id, guild_ids FROM web_sessions WHERE token = ? AND expires > ?",
        (token, now),
    ).fetchone()
    if row is None:
        return 0, []
    guilds = json.loads(row[1])
    return int(row[0]), [g for g in guilds if isinstance(g, int)]


def end_sessions(connection: sqlite3.Connection, token: str, everywhere: bool) -> int:
    """End the session ``token`` (``everywhere``: every session of its member); how many."""
    with transaction(connection):
        if everywhere:
            ended = connection.execute(
                "DELETE FROM web_sessions WHERE user_id ="
                " (SELECT user_id FROM web_sessions WHERE token = ?)",
                (token,),
            )
        else:
            ended = connection.execute("DELETE FROM web_sessions WHERE token = ?", (token,))
    return ended.rowcount

"""Members' absences: one row per member, guild and first day, kept when taken back.

Exactly once, the way marks are: each row carries the instant it was said (or taken back),
and a write only lands when it is at least as new as the row. A request re-sent by the
bus writes the same values again; a late copy of the request that set an absence finds
it taken back later and changes nothing; on the same instant, taking back wins.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from datetime import date

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import Absence
from services.telemetry.clock import day_from_number, day_number, parse_day
from services.telemetry.database import transaction
from services.telemetry.store import ensure_guild


def _absence(row: tuple[int, int, int, str, str, int, int]) -> Absence:
    user_id, first, last, zone, note, cancelled, at = row
    return Absence(
        user_id=user_id,
        first=day_from_number(first).isoformat(),
        last=day_from_number(last).isoformat(),
        zone=zone,
        note=note,
        cancelled=bool(cancelled),
        at=at / 1000,
    )


def _millis(at: float) -> int:
    return math.floor(at * 1000)


def get_absences(
    connection: sqlite3.Connection,
    guild_id: int,
    user_ids: Iterable[int] = (),
    since: date | None = None,
) -> list[Absence]:
    """Standing absences of ``user_ids`` (everyone when empty) whose last day is ``since``
    or later (all when None), by member and first day."""
    wanted = set(user_ids)
    rows = connection.execute(
        "SELECT user_id, first_day, last_day, zone, note, cancelled, at FROM absences"
        " WHERE guild_id = ? AND NOT cancelled"
        " AND last_day >= ? ORDER BY user_id, first_day",
        (guild_id, day_number(since) if since is not None else -(1 << 62)),
    )
    return [_absence(row) for row in rows if not wanted or row[0] in wanted]


def _overlapping(connection: sqlite3.Connection, guild_id: int, absence: Absence) -> Absence | None:
    """Another standing absence of the member that shares a day with ``absence``."""
    row = connection.execute(
        "SELECT user_id, first_day, last_day, zone, note, cancelled, at FROM absences"
        " WHERE guild_id = ? AND user_id = ? AND NOT cancelled"
        " AND first_day != ? AND first_day <= ? AND last_day >= ? ORDER BY first_day LIMIT 1",
        (
            guild_id,
            absence.user_id,
            day_number(parse_day(absence.first)),
            day_number(parse_day(absence.last)),
            day_number(parse_day(absence.first)),
        ),
    ).fetchone()
    return _absence(row) if row is not None else None


def set_absence(connection: sqlite3.Connection, guild_id: int, absence: Absence) -> list[Absence]:
    """Store ``absence`` (validated by the caller) unless a newer write holds its row; the
    member's standing absences from its first day on. Refused when it overlaps another."""
    first = parse_day(absence.first)
    with transaction(connection):
        ensure_guild(connection, guild_id)
        other = _overlapping(connection, guild_id, absence)
        if other is not None:
            raise RequestRefused(
                ErrorCode.BAD_ABSENCE,
                f"you are already away from {other.first} until {other.last}:"
                " /away cancel it first, or choose other days",
            )
        connection.execute(
            "INSERT INTO absences VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO UPDATE SET"
            " last_day = excluded.last_day, zone = excluded.zone, note = excluded.note,"
            " cancelled = 0, at = excluded.at"
            " WHERE excluded.at > at OR (excluded.at = at AND NOT cancelled)",
            (
                guild_id,
                absence.user_id,
                day_number(first),
                day_number(parse_day(absence.last)),
                absence.zone,
                absence.note,
                _millis(absence.at),
            ),
        )
    return get_absences(connection, guild_id, [absence.user_id], first)


def cancel_absence(
    connection: sqlite3.Connection, guild_id: int, user_id: int, first: date, at: float
) -> list[Absence]:
    """Take back the member's absence starting on ``first`` as of ``at``; the absence taken
    back, or nothing when none was standing (or a newer write holds it). A re-sent request
    gets the same answer as the first: the row taken back at ``at`` is its own doing."""
    key, when = (guild_id, user_id, day_number(first)), _millis(at)
    with transaction(connection):
        connection.execute(
            "UPDATE absences SET cancelled = 1, at = ?"
            " WHERE guild_id = ? AND user_id = ? AND first_day = ? AND NOT cancelled AND at <= ?",
            (when, *key, when),
        )
        row = connection.execute(
            "SELECT user_id, first_day, last_day, zone, note, cancelled, at FROM absences"
            " WHERE guild_id = ? AND user_id = ? AND first_day = ?",
            key,
        ).fetchone()
    if row is None or not row[5] or row[6] != when:
        return []
    return [_absence(row)]

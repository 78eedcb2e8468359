"""Members' planned hours: one row per guild, member, community day and window hour, kept
when taken back.

Exactly once, the way absences are: each row carries the instant it was said (or taken
back), and a write only lands when it is newer than the row. A request re-sent by the bus
writes the same values again; a late copy of the request that planned an hour finds it
taken back later and changes nothing; on the same instant, taking back wins.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from datetime import date

from bus.protocol import Plan
from services.telemetry.clock import day_from_number, day_number, parse_day
from services.telemetry.database import transaction
from services.telemetry.store import ensure_guild


def _plan(row: tuple[int, int, int, int, int]) -> Plan:
    user_id, day, hour, cancelled, at = row
    return Plan(
        user_id=user_id,
        day=day_from_number(day).isoformat(),
        hour=hour,
        cancelled=bool(cancelled),
        at=at / 1000,
    )


def get_plans(
    connection: sqlite3.Connection,
    guild_id: int,
    user_ids: Iterable[int] = (),
    since: date | None = None,
) -> list[Plan]:
    """Standing plans of ``user_ids`` (everyone when empty) on day ``since`` or later (all
    when None), by member, day and hour."""
    wanted = set(user_ids)
    rows = connection.execute(
        "SELECT user_id, day, hour, cancelled, at FROM plans"
        " WHERE guild_id = ? AND NOT cancelled AND day >= ? ORDER BY user_id, day, hour",
        (guild_id, day_number(since) if since is not None else -(1 << 62)),
    )
    return [_plan(row) for row in rows if not wanted or row[0] in wanted]


def set_plans(
    connection: sqlite3.Connection, guild_id: int, user_id: int, plans: Iterable[Plan]
) -> list[Plan]:
    """Store ``plans`` (validated by the caller, all ``user_id``'s), each unless a newer
    write holds its row; the member's standing plans on the days written."""
    written: set[int] = set()
    with transaction(connection):
        ensure_guild(connection, guild_id)
        for plan in plans:
            day = day_number(parse_day(plan.day))
            written.add(day)
            connection.execute(
                "INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
                " cancelled = excluded.cancelled, at = excluded.at"
                " WHERE excluded.at > at OR (excluded.at = at AND excluded.cancelled)",
                (
                    guild_id,
                    user_id,
                    day,
                    plan.hour,
                    int(plan.cancelled),
                    math.floor(plan.at * 1000),
                ),
            )
    return [
        plan
        for plan in get_plans(connection, guild_id, [user_id])
        if day_number(parse_day(plan.day)) in written
    ]

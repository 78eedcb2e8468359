"""Members' weekly schedules: one row per member, weekday and hour, each with the zone of
the clock it is on (one zone for all of a member's rows in a guild; '' the community's).

Saving a schedule deletes and inserts only that member's rows, so two members saving at
the same moment never overwrite each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bus.protocol import MemberSchedule, WeeklySlot
from services.telemetry.database import transaction
from services.telemetry.store import ensure_guild


def get_schedules(
    connection: sqlite3.Connection, guild_id: int, user_ids: Iterable[int] = ()
) -> list[MemberSchedule]:
    """Schedules of ``user_ids`` (every member when empty), by user id then slot."""
    wanted = set(user_ids)
    slots: dict[int, list[WeeklySlot]] = {}
    zones: dict[int, str] = {}
    for user_id, weekday, hour, zone in connection.execute(
        "SELECT user_id, weekday, hour, zone FROM schedules WHERE guild_id = ?"
        " ORDER BY user_id, weekday, hour",
        (guild_id,),
    ):
        if not wanted or user_id in wanted:
            slots.setdefault(user_id, []).append(WeeklySlot(weekday=weekday, hour=hour))
            zones[user_id] = zone
    return [
        MemberSchedule(user_id=user, slots=found, zone=zones[user]) for user, found in slots.items()
    ]


def set_schedule(
    connection: sqlite3.Connection, guild_id: int, schedule: MemberSchedule
) -> list[MemberSchedule]:
    """Replace one member's schedule (validated by the caller); return it as stored."""
    user_id = schedule.user_id
    with transaction(connection):
        ensure_guild(connection, guild_id)
        connection.execute(
            "DELETE FROM schedules WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        connection.executemany(
            "INSERT OR IGNORE INTO schedules (guild_id, user_id, weekday, hour, zone)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (guild_id, user_id, slot.weekday, slot.hour, schedule.zone)
                for slot in schedule.slots
            ],
        )
    return get_schedules(connection, guild_id, [user_id])


def clear_schedule(connection: sqlite3.Connection, guild_id: int, user_id: int) -> None:
    """Remove one member's schedule."""
    with transaction(connection):
        connection.execute(
            "DELETE FROM schedules WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )

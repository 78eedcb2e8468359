"""Members' weekly schedules: one row per member, weekday and hour, each with the zone of
the clock it is on (one zone for all of a member's rows in a guild; '' the community's).

Saving a schedule deletes and inserts only that member's rows, so two members saving at
the same moment never overwrite each other.

Each save (and each clearing) is also kept as a version with the instant it was made
(``schedule_versions``): reliability judges a past hour by the schedule in force at that
hour, so a schedule saved yesterday says nothing about the days before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    connection: sqlite3.Connection, guild_id: int, schedule: MemberSchedule, at: float
) -> list[MemberSchedule]:
    """Replace one member's schedule (validated by the caller) as of ``at``; return it as
    stored."""
    user_id = schedule.user_id
    with transaction(connection):
        ensure_guild(connection, guild_id)
        _keep_version(connection, guild_id, schedule, at)
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


def clear_schedule(connection: sqlite3.Connection, guild_id: int, user_id: int, at: float) -> None:
    """Remove one member's schedule as of ``at``."""
    with transaction(connection):
        ensure_guild(connection, guild_id)
        _keep_version(connection, guild_id, MemberSchedule(user_id=user_id), at)
        connection.execute(
            "DELETE FROM schedules WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )


def _keep_version(
    connection: sqlite3.Connection, guild_id: int, schedule: MemberSchedule, at: float
) -> None:
    # Whole seconds: two saves within one second keep the later.
    slots = json.dumps([[slot.weekday, slot.hour] for slot in schedule.slots])
    connection.execute(
        "INSERT OR REPLACE INTO schedule_versions (guild_id, user_id, since, zone, slots)"
        " VALUES (?, ?, ?, ?, ?)",
        (guild_id, schedule.user_id, int(at), schedule.zone, slots),
    )


@dataclass(frozen=True, slots=True)
class Version:
    """A member's schedule as saved at ``since`` (unix seconds), in force until the next."""

    since: float
    schedule: MemberSchedule


def versions(
    connection: sqlite3.Connection, guild_id: int, until: float
) -> dict[int, list[Version]]:
    """Every member's schedule versions saved up to ``until``, oldest first."""
    found: dict[int, list[Version]] = {}
    for user_id, since, zone, slots in connection.execute(
        "SELECT user_id, since, zone, slots FROM schedule_versions"
        " WHERE guild_id = ? AND since <= ? ORDER BY user_id, since",
        (guild_id, until),
    ):
        schedule = MemberSchedule(
            user_id=user_id,
            slots=[WeeklySlot(weekday=d, hour=h) for d, h in json.loads(slots)],
            zone=zone,
        )
        found.setdefault(user_id, []).append(Version(float(since), schedule))
    return found


def in_force(history: Sequence[Version], at: float) -> MemberSchedule | None:
    """The schedule in force at ``at``: the latest saved at or before it; None before the
    first (the member had said nothing yet)."""
    current = None
    for version in history:
        if version.since > at:
            break
        current = version.schedule
    return current

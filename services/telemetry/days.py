"""Community days: the daily post and the marks of each day (the scheduler's record)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

from bus.protocol import MarkFacts
from services.telemetry.clock import day_number
from services.telemetry.database import transaction
from services.telemetry.store import ensure_guild


@dataclass(frozen=True, slots=True)
class DayState:
    """One guild's community day as stored."""

    channel_id: int = 0
    message_id: int = 0
    posted_at: float = 0.0
    marks: list[MarkFacts] = field(default_factory=list)


def get_day(connection: sqlite3.Connection, guild_id: int, day: date) -> DayState:
    """The day's post (zeros before posting) and marks, by hour then member."""
    number = day_number(day)
    post = connection.execute(
        "SELECT channel_id, message_id, posted_at FROM daily_posts WHERE guild_id = ? AND day = ?",
        (guild_id, number),
    ).fetchone()
    marks = [
        MarkFacts(user_id=user, hour=hour, source=source, cancelled=bool(cancelled), at=at)
        for hour, user, source, cancelled, at in connection.execute(
            "SELECT hour, user_id, source, cancelled, at FROM marks"
            " WHERE guild_id = ? AND day = ? ORDER BY hour, user_id, source",
            (guild_id, number),
        )
    ]
    if post is None:
        return DayState(marks=marks)
    channel_id, message_id, posted_at = post
    return DayState(channel_id, message_id, posted_at, marks)


def record_post(
    connection: sqlite3.Connection,
    guild_id: int,
    day: date,
    channel_id: int,
    message_id: int,
    posted_at: float,
) -> DayState:
    """Store (or, after a reset, replace) the day's message."""
    with transaction(connection):
        ensure_guild(connection, guild_id)
        connection.execute(
            "INSERT OR REPLACE INTO daily_posts VALUES (?, ?, ?, ?, ?)",
            (guild_id, day_number(day), channel_id, message_id, posted_at),
        )
    return get_day(connection, guild_id, day)


def record_mark(
    connection: sqlite3.Connection, guild_id: int, day: date, mark: MarkFacts
) -> DayState:
    """Add or update one mark (validated by the caller); a later ``at`` wins."""
    with transaction(connection):
        ensure_guild(connection, guild_id)
        connection.execute(
            "INSERT INTO marks VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, day, hour, user_id, source) DO UPDATE SET"
            " cancelled = excluded.cancelled, at = excluded.at WHERE excluded.at >= marks.at",
            (
                guild_id,
                day_number(day),
                mark.hour,
                mark.user_id,
                mark.source,
                int(mark.cancelled),
                mark.at,
            ),
        )
    return get_day(connection, guild_id, day)

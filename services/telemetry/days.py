"""Community days: the daily post and the marks of each day (the scheduler's record).

A member's marks of one day from one source are stored as one row with one bit per hour
(marked, and taken back), which is what keeps two months of a community in a few dozen
kilobytes. The row's ``at`` is the time of its latest change, in whole seconds, and is
what each of its marks reports. A change older than the row's ``at`` (a re-sent request
overtaken by a newer one) is applied only to an hour the row knows nothing of yet: what
it holds for its other hours may be newer, and a re-send must not undo it.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from bus.protocol import MarkFacts, PostWindow
from services.telemetry.clock import day_number
from services.telemetry.database import transaction
from services.telemetry.sessions import member_ref
from services.telemetry.store import ensure_guild

SOURCES = (
    "reaction",
    "schedule",
    "voice",
    "picked",
    "maybe",
    "interested",
)  # a mark's source, by stored code
_HOURS = range(24)


# The marks of one guild's days are read from its own members (``CROSS JOIN`` keeps that
# order: SQLite never reorders it), each member's by the marks' primary key (day, member):
# the work is the guild's, whatever other guilds hold. A span of days is a list of days
# (``json_each``) so that each member's days are looked up, never a range of every guild's.
DAY_MARKS = (
    "SELECT members.user_id, marks.source, marks.hours, marks.cancelled, marks.at"
    " FROM members CROSS JOIN marks ON marks.member = members.id"
    " WHERE members.guild_id = ? AND marks.day = ?"
)
DAYS_MARKS = (
    "SELECT marks.day, members.user_id, marks.source, marks.hours, marks.cancelled, marks.at"
    " FROM members CROSS JOIN marks ON marks.member = members.id"
    " WHERE members.guild_id = ? AND marks.day IN (SELECT value FROM json_each(?))"
    " AND (? = 0 OR members.user_id = ?)"
)


@dataclass(frozen=True, slots=True)
class DayState:
    """One guild's community day as stored."""

    channel_id: int = 0
    message_id: int = 0
    posted_at: float = 0.0
    marks: list[MarkFacts] = field(default_factory=list)
    window: PostWindow | None = None  # None before posting, and for posts older than windows


def get_day(connection: sqlite3.Connection, guild_id: int, day: date) -> DayState:
    """The day's post (zeros before posting) and marks, by hour then member."""
    number = day_number(day)
    post = connection.execute(
        "SELECT channel_id, message_id, posted_at, timezone, window_start, window_hours,"
        " hour_emoji FROM daily_posts WHERE guild_id = ? AND day = ?",
        (guild_id, number),
    ).fetchone()
    marks = sorted(
        (
            MarkFacts(
                user_id=user,
                hour=hour,
                source=SOURCES[source],
                cancelled=bool(cancelled >> hour & 1),
                at=float(at),
            )
            for user, source, hours, cancelled, at in connection.execute(
                DAY_MARKS,
                (guild_id, number),
            )
            for hour in _HOURS
            if hours >> hour & 1
        ),
        key=lambda mark: (mark.hour, mark.user_id, SOURCES.index(mark.source)),
    )
    if post is None:
        return DayState(marks=marks)
    channel_id, message_id, posted_at, timezone, start, hours, emoji = post
    window = None
    if timezone is not None:
        window = PostWindow(timezone, start, hours, json.loads(emoji))
    return DayState(channel_id, message_id, posted_at, marks, window)


def get_days(
    connection: sqlite3.Connection, guild_id: int, first: date, count: int, user_id: int = 0
) -> list[DayState]:
    """``count`` days from ``first``, as ``get_day`` gives each, in two queries for them all
    (the dashboard reads four weeks at once); with ``user_id``, that member's marks only."""
    lo = day_number(first)
    hi = lo + count - 1
    posts = {
        day: row
        for day, *row in connection.execute(
            "SELECT day, channel_id, message_id, posted_at, timezone, window_start,"
            " window_hours, hour_emoji FROM daily_posts"
            " WHERE guild_id = ? AND day BETWEEN ? AND ?",
            (guild_id, lo, hi),
        )
    }
    marks: dict[int, list[MarkFacts]] = {}
    for day, user, source, hours, cancelled, at in connection.execute(
        DAYS_MARKS,
        (guild_id, json.dumps(list(range(lo, hi + 1))), user_id, user_id),
    ):
        marks.setdefault(day, []).extend(
            MarkFacts(
                user_id=user,
                hour=hour,
                source=SOURCES[source],
                cancelled=bool(cancelled >> hour & 1),
                at=float(at),
            )
            for hour in _HOURS
            if hours >> hour & 1
        )
    found = []
    for day in range(lo, hi + 1):
        kept = sorted(
            marks.get(day, []), key=lambda m: (m.hour, m.user_id, SOURCES.index(m.source))
        )
        post = posts.get(day)
        if post is None:
            found.append(DayState(marks=kept))
            continue
        channel_id, message_id, posted_at, timezone, start, hours, emoji = post
        window = None
        if timezone is not None:
            window = PostWindow(timezone, start, hours, json.loads(emoji))
        found.append(DayState(channel_id, message_id, posted_at, kept, window))
    return found


def record_post(
    connection: sqlite3.Connection,
    guild_id: int,
    day: date,
    channel_id: int,
    message_id: int,
    posted_at: float,
    window: PostWindow | None = None,
) -> DayState:
    """Store (or, after a reset, replace) the day's message and the window it shows."""
    kept: tuple[str | None, int | None, int | None, str | None] = (None, None, None, None)
    if window is not None:
        kept = (
            window.timezone,
            window.window_start,
            window.window_hours,
            json.dumps(window.hour_emoji, ensure_ascii=False),
        )
    with transaction(connection):
        ensure_guild(connection, guild_id)
        connection.execute(
            "INSERT OR REPLACE INTO daily_posts (guild_id, day, channel_id, message_id,"
            " posted_at, timezone, window_start, window_hours, hour_emoji)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, day_number(day), channel_id, message_id, posted_at, *kept),
        )
    return get_day(connection, guild_id, day)


# A mark's upsert. A change older than the row (a re-send overtaken by a newer change) is
# applied only to hours the row knows nothing of; an upsert that would leave the row as it
# is writes nothing, so that the number of rows written says whether the day changed.
_UPSERT_MARK = (
    "INSERT INTO marks VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
    " hours = hours | excluded.hours,"
    " cancelled = (cancelled & ~excluded.hours) | excluded.cancelled,"
    " at = max(at, excluded.at)"
    " WHERE (excluded.at >= at OR (hours & excluded.hours) = 0)"
    " AND (hours | excluded.hours, (cancelled & ~excluded.hours) | excluded.cancelled,"
    " max(at, excluded.at)) IS NOT (hours, cancelled, at)"
)


def record_mark(
    connection: sqlite3.Connection, guild_id: int, day: date, mark: MarkFacts
) -> DayState:
    """Add, update or cancel one mark (validated by the caller); a later ``at`` wins."""
    with transaction(connection):
        _upsert(connection, guild_id, day, mark)
    return get_day(connection, guild_id, day)


def record_marks(
    connection: sqlite3.Connection, marks: Iterable[tuple[int, date, MarkFacts]]
) -> set[tuple[int, date]]:
    """Apply many marks (validated by the caller), each as ``record_mark`` does, in one
    transaction; the (guild, day) pairs whose stored marks changed."""
    changed = set()
    with transaction(connection):
        for guild_id, day, mark in marks:
            if _upsert(connection, guild_id, day, mark):
                changed.add((guild_id, day))
    return changed


def _upsert(connection: sqlite3.Connection, guild_id: int, day: date, mark: MarkFacts) -> bool:
    """One mark into its member's row of the day; whether the row changed."""
    number, bit, at = day_number(day), 1 << mark.hour, math.floor(mark.at)
    cancelled = bit if mark.cancelled else 0
    ensure_guild(connection, guild_id)
    key = (number, member_ref(connection, guild_id, mark.user_id), SOURCES.index(mark.source))
    return connection.execute(_UPSERT_MARK, (*key, bit, cancelled, at)).rowcount > 0

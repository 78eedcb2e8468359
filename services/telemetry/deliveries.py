"""What the bot sends once — reminders, "enough players" calls, scheduled events, nudges,
week-ahead posts —
and the members' reminder and nudge choices behind them.

A delivery is claimed (a row is inserted) *before* Discord is asked, and finished (sent or
dropped) after: the row's key (guild, community day, hour, member, kind) makes a second
claim find the first, so whoever sends after a crash knows it may have been sent already
and looks before sending again. A finished delivery stays finished: a late, re-sent finish
cannot undo it.
"""

from __future__ import annotations

import math
import sqlite3

from bus.protocol import Delivery, NudgeChoice, ReminderChoice
from services.telemetry.clock import day_from_number, day_number, parse_day
from services.telemetry.database import transaction
from services.telemetry.store import ensure_guild

KINDS = ("reminder", "call", "event", "nudge", "week")  # by stored code
STATES = ("claimed", "sent", "dropped")


def get_reminders(
    connection: sqlite3.Connection, guild_id: int
) -> tuple[list[ReminderChoice], list[int]]:
    """A guild's reminder choices, by member, and which of those members refused DMs."""
    choices = [
        ReminderChoice(user_id=user, minutes=minutes, channel=bool(channel))
        for user, minutes, channel in connection.execute(
            "SELECT user_id, minutes, channel FROM reminders WHERE guild_id = ? ORDER BY user_id",
            (guild_id,),
        )
    ]
    closed = [
        user
        for (user,) in connection.execute(
            "SELECT users.user_id FROM users JOIN reminders USING (user_id)"
            " WHERE reminders.guild_id = ? AND users.dms_closed ORDER BY users.user_id",
            (guild_id,),
        )
    ]
    return choices, closed


def set_reminder(
    connection: sqlite3.Connection, guild_id: int, user_id: int, choice: ReminderChoice | None
) -> None:
    """Store (or, with None, remove) one member's reminder choice (validated by the caller)."""
    with transaction(connection):
        ensure_guild(connection, guild_id)
        if choice is None:
            connection.execute(
                "DELETE FROM reminders WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            )
            return
        connection.execute(
            "INSERT OR REPLACE INTO reminders VALUES (?, ?, ?, ?)",
            (guild_id, user_id, choice.minutes, int(choice.channel)),
        )


def get_nudges(connection: sqlite3.Connection, guild_id: int) -> list[NudgeChoice]:
    """A guild's nudge choices, by member (members who chose nothing are not listed)."""
    return [
        NudgeChoice(user_id=user, wanted=bool(wanted), quiet_start=start, quiet_end=end)
        for user, wanted, start, end in connection.execute(
            "SELECT user_id, wanted, quiet_start, quiet_end FROM nudges WHERE guild_id = ?"
            " ORDER BY user_id",
            (guild_id,),
        )
    ]


def set_nudge(connection: sqlite3.Connection, guild_id: int, choice: NudgeChoice) -> None:
    """Store one member's nudge choice (validated by the caller)."""
    with transaction(connection):
        ensure_guild(connection, guild_id)
        connection.execute(
            "INSERT OR REPLACE INTO nudges VALUES (?, ?, ?, ?, ?)",
            (guild_id, choice.user_id, int(choice.wanted), choice.quiet_start, choice.quiet_end),
        )


def record_dms_closed(connection: sqlite3.Connection, user_id: int, closed: bool) -> None:
    """Remember (or forget) that Discord refuses the bot's DMs to this user."""
    with transaction(connection):
        connection.execute("INSERT OR IGNORE INTO users (user_id) VALUES (?)", (user_id,))
        connection.execute(
            "UPDATE users SET dms_closed = ? WHERE user_id = ?", (int(closed), user_id)
        )


def _key(delivery: Delivery) -> tuple[int, int, int, int, int]:
    return (
        delivery.guild_id,
        day_number(parse_day(delivery.date)),
        delivery.hour,
        delivery.user_id,
        KINDS.index(delivery.kind),
    )


def _get(connection: sqlite3.Connection, key: tuple[int, int, int, int, int]) -> Delivery | None:
    row = connection.execute(
        "SELECT guild_id, day, hour, user_id, kind, state, channel_id, message_id, at"
        " FROM deliveries WHERE guild_id = ? AND day = ? AND hour = ? AND user_id = ? AND kind = ?",
        key,
    ).fetchone()
    return None if row is None else _delivery(row)


def _delivery(row: tuple[int, ...]) -> Delivery:
    guild_id, day, hour, user_id, kind, state, channel_id, message_id, at = row
    return Delivery(
        guild_id=guild_id,
        date=day_from_number(day).isoformat(),
        hour=hour,
        user_id=user_id,
        kind=KINDS[kind],  # type: ignore[arg-type]
        state=STATES[state],  # type: ignore[arg-type]
        channel_id=channel_id,
        message_id=message_id,
        at=float(at),
    )


def claim(connection: sqlite3.Connection, delivery: Delivery) -> tuple[Delivery, bool]:
    """The stored delivery for ``delivery``'s key, inserting it as claimed when new; and
    whether this call inserted it."""
    key = _key(delivery)
    with transaction(connection):
        ensure_guild(connection, delivery.guild_id)
        inserted = connection.execute(
            "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (*key, delivery.channel_id, delivery.message_id, math.floor(delivery.at)),
        ).rowcount
        found = _get(connection, key)
    assert found is not None
    return found, bool(inserted)


def finish(connection: sqlite3.Connection, delivery: Delivery) -> Delivery:
    """Store where a claimed delivery went and its new state; a finished one keeps its first
    finish. A claimed delivery's channel may be stored before it is sent (``claimed``)."""
    key = _key(delivery)
    with transaction(connection):
        ensure_guild(connection, delivery.guild_id)
        connection.execute(
            "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?)",
            (*key, math.floor(delivery.at)),
        )
        connection.execute(
            "UPDATE deliveries SET state = ?, channel_id = ?, message_id = ?, at = ?"
            " WHERE guild_id = ? AND day = ? AND hour = ? AND user_id = ? AND kind = ?"
            " AND state = 0",
            (
                STATES.index(delivery.state),
                delivery.channel_id,
                delivery.message_id,
                math.floor(delivery.at),
                *key,
            ),
        )
        found = _get(connection, key)
    assert found is not None
    return found


def get_deliveries(connection: sqlite3.Connection, guild_id: int, date: str) -> list[Delivery]:
    """One community day's deliveries in a guild, by hour, member and kind."""
    return [
        _delivery(row)
        for row in connection.execute(
            "SELECT guild_id, day, hour, user_id, kind, state, channel_id, message_id, at"
            " FROM deliveries WHERE guild_id = ? AND day = ? ORDER BY hour, user_id, kind",
            (guild_id, day_number(parse_day(date))),
        )
    ]

"""Guild configuration, members and users (timezone, privacy): functions over a connection.

Functions named ``set_*``/``forget_*`` open their own transaction; helpers that take part
in a caller's transaction (``ensure_guild``, ``upsert_member``) do not.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable

from bus.protocol import GuildConfig, MemberFacts
from services.telemetry.database import transaction
from services.telemetry.sessions import ENDINGS


def ensure_guild(connection: sqlite3.Connection, guild_id: int) -> None:
    """Create the guild's row (with default configuration) if it is new."""
    connection.execute("INSERT OR IGNORE INTO guilds (guild_id) VALUES (?)", (guild_id,))


def get_config(connection: sqlite3.Connection, guild_id: int) -> GuildConfig:
    """The guild's configuration; defaults for a guild never configured."""
    row = connection.execute(
        "SELECT channel_id, post_time, timezone, window_start, window_hours, hour_emoji,"
        " afk_channel_id, greetings, quorum_size, quorum_channel_id, events, nudges,"
        " reliability, week_post_day, week_post_time, voice_status FROM guilds"
        " WHERE guild_id = ? AND configured",
        (guild_id,),
    ).fetchone()
    if row is None:
        return GuildConfig(guild_id=guild_id)
    channel_id, post_time, timezone, start, hours, emoji, afk, greetings, *calls = row
    quorum_size, quorum_channel_id, events, nudges, reliability, *later = calls
    week_day, week_time, voice_status = later
    voice = [
        channel
        for (channel,) in connection.execute(
            "SELECT channel_id FROM guild_voice_channels WHERE guild_id = ? ORDER BY channel_id",
            (guild_id,),
        )
    ]
    ranks = dict(
        connection.execute(
            "SELECT role_id, emoji FROM guild_rank_emoji WHERE guild_id = ?", (guild_id,)
        ).fetchall()
    )
    return GuildConfig(
        guild_id=guild_id,
        channel_id=channel_id,
        post_time=post_time,
        timezone=timezone,
        window_start=start,
        window_hours=hours,
        hour_emoji=json.loads(emoji),
        voice_channel_ids=voice,
        afk_channel_id=afk,
        rank_emoji=ranks,
        greetings=bool(greetings),
        quorum_size=quorum_size,
        quorum_channel_id=quorum_channel_id,
        events=bool(events),
        nudges=bool(nudges),
        reliability=bool(reliability),
        week_post_day=week_day,
        week_post_time=week_time,
        voice_status=bool(voice_status),
    )


def set_config(connection: sqlite3.Connection, config: GuildConfig) -> GuildConfig:
    """Replace the guild's configuration (validated by the caller) and return it as stored."""
    guild_id = config.guild_id
    with transaction(connection):
        ensure_guild(connection, guild_id)
        connection.execute(
            "UPDATE guilds SET configured = 1, channel_id = ?, post_time = ?, timezone = ?,"
            " window_start = ?, window_hours = ?, hour_emoji = ?, afk_channel_id = ?,"
            " greetings = ?, quorum_size = ?, quorum_channel_id = ?, events = ?, nudges = ?,"
            " reliability = ?, week_post_day = ?, week_post_time = ?, voice_status = ?"
            " WHERE guild_id = ?",
            (
                config.channel_id,
                config.post_time,
                config.timezone,
                config.window_start,
                config.window_hours,
                json.dumps(config.hour_emoji, ensure_ascii=False),
                config.afk_channel_id,
                int(config.greetings),
                config.quorum_size,
                config.quorum_channel_id,
                int(config.events),
                int(config.nudges),
                int(config.reliability),
                config.week_post_day,
                config.week_post_time,
                int(config.voice_status),
                guild_id,
            ),
        )
        connection.execute("DELETE FROM guild_voice_channels WHERE guild_id = ?", (guild_id,))
        connection.executemany(
            "INSERT OR IGNORE INTO guild_voice_channels VALUES (?, ?)",
            [(guild_id, channel) for channel in config.voice_channel_ids],
        )
        connection.execute("DELETE FROM guild_rank_emoji WHERE guild_id = ?", (guild_id,))
        connection.executemany(
            "INSERT INTO guild_rank_emoji VALUES (?, ?, ?)",
            [(guild_id, role, emoji) for role, emoji in config.rank_emoji.items()],
        )
    return get_config(connection, guild_id)


def guild_timezone(connection: sqlite3.Connection, guild_id: int) -> str:
    """The guild's IANA timezone name ("UTC" until configured)."""
    row = connection.execute(
        "SELECT timezone FROM guilds WHERE guild_id = ?", (guild_id,)
    ).fetchone()
    return str(row[0]) if row is not None else "UTC"


def upsert_member(connection: sqlite3.Connection, guild_id: int, member: MemberFacts) -> None:
    """Keep the member's name fresh (inside the caller's transaction)."""
    connection.execute(
        "INSERT INTO members (guild_id, user_id, display_name, is_bot, in_guild)"
        " VALUES (?, ?, ?, ?, 1) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
        " display_name = excluded.display_name, is_bot = excluded.is_bot, in_guild = 1",
        (guild_id, member.user_id, member.display_name, int(member.bot)),
    )


def mark_member_left(connection: sqlite3.Connection, guild_id: int, user_id: int) -> None:
    """The member left the guild; their name stays for the graphs of the past."""
    connection.execute(
        "UPDATE members SET in_guild = 0 WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )


def get_timezones(connection: sqlite3.Connection, user_ids: Iterable[int]) -> dict[int, str]:
    """User id -> timezone, for those of ``user_ids`` who set one."""
    found: dict[int, str] = {}
    for user_id in set(user_ids):
        row = connection.execute(
            "SELECT timezone FROM users WHERE user_id = ? AND timezone != ''", (user_id,)
        ).fetchone()
        if row is not None:
            found[user_id] = str(row[0])
    return found


def set_timezone(connection: sqlite3.Connection, user_id: int, timezone: str) -> dict[int, str]:
    """Set ("" forgets) a user's timezone (validated by the caller)."""
    with transaction(connection):
        connection.execute(
            "INSERT INTO users (user_id, timezone) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone",
            (user_id, timezone),
        )
    return get_timezones(connection, [user_id])


def opted_out_users(connection: sqlite3.Connection) -> set[int]:
    """Users who asked not to have their voice history recorded."""
    return {
        user_id
        for (user_id,) in connection.execute("SELECT user_id FROM users WHERE telemetry_opt_out")
    }


def set_opt_out(connection: sqlite3.Connection, user_id: int, opted_out: bool, at: float) -> None:
    """Record a user's privacy choice; opting out closes the stays they have open now."""
    second = math.floor(at)
    with transaction(connection):
        connection.execute(
            "INSERT INTO users (user_id, telemetry_opt_out) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET telemetry_opt_out = excluded.telemetry_opt_out",
            (user_id, int(opted_out)),
        )
        if opted_out:
            # Closed now, in whole seconds; a stay opened within this second has no time.
            connection.execute(
                "DELETE FROM voice_stays WHERE seconds IS NULL AND start >= ?"
                " AND member IN (SELECT id FROM members WHERE user_id = ?)",
                (second, user_id),
            )
            connection.execute(
                "UPDATE voice_stays SET seconds = ? - start, ended = ? WHERE seconds IS NULL"
                " AND member IN (SELECT id FROM members WHERE user_id = ?)",
                (second, ENDINGS.index("opted_out"), user_id),
            )
            connection.execute("DELETE FROM voice_events WHERE user_id = ?", (user_id,))


def forget_user(connection: sqlite3.Connection, user_id: int) -> int:
    """Delete every row about the user in every guild; return how many went.

    The privacy choice itself stays when the user opted out: forgetting it would start
    recording them again. Marks and stays are deleted before the member rows they refer
    to, so that they are counted (rows deleted by a cascade are not).
    """
    statements = (
        "DELETE FROM voice_stays WHERE member IN (SELECT id FROM members WHERE user_id = ?)",
        "DELETE FROM marks WHERE member IN (SELECT id FROM members WHERE user_id = ?)",
        "DELETE FROM voice_events WHERE user_id = ?",
        "DELETE FROM schedules WHERE user_id = ?",
        "DELETE FROM schedule_versions WHERE user_id = ?",
        "DELETE FROM reminders WHERE user_id = ?",
        "DELETE FROM nudges WHERE user_id = ?",
        "DELETE FROM absences WHERE user_id = ?",
        "DELETE FROM plans WHERE user_id = ?",
        "DELETE FROM deliveries WHERE user_id = ?",
        "DELETE FROM calendar_feeds WHERE user_id = ?",
        "DELETE FROM members WHERE user_id = ?",
        "DELETE FROM users WHERE user_id = ? AND NOT telemetry_opt_out",
    )
    deleted = 0
    with transaction(connection):
        for statement in statements:
            deleted += connection.execute(statement, (user_id,)).rowcount
        connection.execute(
            "UPDATE users SET timezone = '', dms_closed = 0 WHERE user_id = ?", (user_id,)
        )
    return deleted

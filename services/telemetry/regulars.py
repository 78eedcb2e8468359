"""Regulars: who usually plays on a weekday, and with whom (what a nudge is made of).

A member is a regular of community day D's weekday when they were in voice on that weekday
in at least ``min_weeks`` of the ``weeks`` weeks before D (on D - 7, D - 14, ...: each a
community day in the guild's timezone). Their usual co-players are the members they shared
the most voice time with over those weeks, counted as the graphs count it (the rules of
``analytics.presence``: never the AFK channel, never bots, overlapping sessions merged).
Members who opted out of telemetry are left out entirely: their history is not used to
nudge them, and their name is not used to nudge anyone else.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from services.runtime.playtime import local_midnight
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry.analytics.presence import ChannelPresence, Interval, merge_intervals
from services.telemetry.analytics.shared import shared_time
from services.telemetry.clock import local_days
from services.telemetry.sessions import sessions_between


@dataclass(frozen=True, slots=True)
class Regular:
    """One regular: the weeks they played on the weekday, and their co-players, most first."""

    user_id: int
    weeks: int
    partners: tuple[int, ...]


def weeks_played(intervals: list[Interval], days: list[tuple[float, float]]) -> int:
    """On how many of ``days`` (each ``[start, end)``) the member was present at all."""
    return sum(1 for low, high in days if any(s < high and e > low for s, e in intervals))


def regulars(
    channels: Mapping[int, ChannelPresence],
    day: date,
    tz: ZoneInfo,
    *,
    weeks: int,
    min_weeks: int,
    partners: int,
) -> list[Regular]:
    """The regulars of ``day``'s weekday from the presence of the ``weeks`` weeks before it."""
    same_weekdays = [local_days(day - timedelta(days=7 * k), 1, tz) for k in range(1, weeks + 1)]
    by_user: defaultdict[int, list[Interval]] = defaultdict(list)
    for presence in channels.values():
        for user, intervals in presence.items():
            by_user[user].extend(intervals)
    together: defaultdict[int, list[tuple[float, int]]] = defaultdict(list)
    for (a, b), seconds in shared_time(channels).items():
        together[a].append((seconds, b))
        together[b].append((seconds, a))
    found = []
    for user in sorted(by_user):
        played = weeks_played(merge_intervals(by_user[user]), same_weekdays)
        if played < min_weeks:
            continue
        ranked = sorted(together[user], key=lambda item: (-item[0], item[1]))
        found.append(Regular(user, played, tuple(other for _, other in ranked[:partners])))
    return found


def find_regulars(
    connection: sqlite3.Connection,
    guild_id: int,
    day: date,
    *,
    weeks: int,
    min_weeks: int,
    partners: int,
) -> list[Regular]:
    """``regulars`` of a guild from its stored voice history (runs on the database thread)."""
    row = connection.execute(
        "SELECT timezone, afk_channel_id FROM guilds WHERE guild_id = ?", (guild_id,)
    ).fetchone()
    if row is None:
        return []
    tz = zone_or_utc(row[0])
    afk = row[1]
    left_out = {
        user
        for (user,) in connection.execute(
            "SELECT user_id FROM members WHERE guild_id = ? AND is_bot"
            " UNION SELECT user_id FROM users WHERE telemetry_opt_out",
            (guild_id,),
        )
    }
    start = local_midnight(day - timedelta(days=7 * weeks), tz)
    end = local_midnight(day, tz)
    raw: defaultdict[int, defaultdict[int, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    for session in sessions_between(connection, guild_id, start, end):
        if session.user_id in left_out or (afk and session.channel_id == afk):
            continue
        stop = session.end or end  # still open: present until the period ends
        span = (max(session.start, start), min(stop, end))
        if span[0] < span[1]:
            raw[session.channel_id][session.user_id].append(span)
    channels = {
        channel: {user: merge_intervals(spans) for user, spans in users.items()}
        for channel, users in raw.items()
    }
    return regulars(channels, day, tz, weeks=weeks, min_weeks=min_weeks, partners=partners)

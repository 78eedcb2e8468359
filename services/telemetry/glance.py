"""The dashboard's numbers about members, from voice sessions and marks: pure functions.

"Reliability" is the share of the hours a member said they would play (a reaction, or
their usual hours not taken back) that they then spent in voice: an hour counts as kept
when they were in voice for at least ``KEPT_MINUTES`` of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bus.protocol import CoPlayer, MarkFacts, MemberGlance, VoiceSessionFacts, WeekHours
from services.runtime.playtime import WindowHour, local_midnight

KEPT_MINUTES = 15
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Stay:
    """A voice session cut to a period: who, where, from when to when (unix seconds)."""

    user_id: int
    channel_id: int
    start: float
    end: float


def stays(sessions: Iterable[VoiceSessionFacts], now: float, hidden: set[int]) -> list[Stay]:
    """Sessions as stays, open ones ending ``now``, members in ``hidden`` left out."""
    return [
        Stay(s.user_id, s.channel_id, s.start, s.end or max(s.start, now))
        for s in sessions
        if s.user_id not in hidden
    ]


def overlap(stays_of: Sequence[Stay], start: float, end: float) -> float:
    """Seconds of ``stays_of`` inside ``[start, end)`` (stays of one member never overlap)."""
    return sum(max(0.0, min(s.end, end) - max(s.start, start)) for s in stays_of)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(today: date, count: int, tz: ZoneInfo) -> list[tuple[date, float, float]]:
    """The last ``count`` local weeks (Monday first), this one last: (monday, start, end)."""
    first = monday_of(today) - timedelta(weeks=count - 1)
    found = []
    for n in range(count):
        monday = first + timedelta(weeks=n)
        start = local_midnight(monday, tz)
        found.append((monday, start, local_midnight(monday + timedelta(days=7), tz)))
    return found


def weekly_hours(mine: Sequence[Stay], today: date, tz: ZoneInfo, count: int) -> list[WeekHours]:
    return [
        WeekHours(monday=monday.isoformat(), hours=round(overlap(mine, start, end) / HOUR, 2))
        for monday, start, end in weeks(today, count, tz)
    ]


def co_players(all_stays: Sequence[Stay], user_id: int, top: int) -> list[CoPlayer]:
    """Whom ``user_id`` shared a voice channel with most, and for how many hours."""
    mine = [s for s in all_stays if s.user_id == user_id]
    shared: dict[int, float] = defaultdict(float)
    for other in all_stays:
        if other.user_id == user_id:
            continue
        for stay in mine:
            if stay.channel_id == other.channel_id:
                shared[other.user_id] += max(
                    0.0, min(stay.end, other.end) - max(stay.start, other.start)
                )
    ranked = sorted((s, u) for u, s in shared.items() if s > 0)
    return [CoPlayer(user_id=u, hours=round(s / HOUR, 2)) for s, u in reversed(ranked[-top:])]


def said_in(hour: int, marks: Iterable[MarkFacts], usual: Iterable[int]) -> set[int]:
    """Who said they would play ``hour``: a reaction, or usual hours not taken back (a
    "maybe" takes them back while it stands: the member is not sure)."""
    taken_back: set[int] = set()
    said: set[int] = set()
    for mark in marks:
        if mark.hour != hour or mark.source == "voice":
            continue
        if mark.source == "maybe":
            if not mark.cancelled:
                taken_back.add(mark.user_id)
            continue
        if mark.cancelled:
            taken_back.add(mark.user_id)
        elif mark.source == "reaction":
            said.add(mark.user_id)
    return said | {user for user in usual if user not in taken_back}


@dataclass(frozen=True, slots=True)
class PastDay:
    """One community day of the period: its window, its marks, who usually plays each hour."""

    window: Sequence[WindowHour]
    marks: Sequence[MarkFacts]
    usual: Mapping[int, set[int]]  # member -> hours of this day their usual hours hold


def glance(
    members: Iterable[int],
    all_stays: Sequence[Stay],
    past: Iterable[PastDay],
    now: float,
    today: date,
    tz: ZoneInfo,
) -> list[MemberGlance]:
    """One row per member: last seen, hours this week and in the last four weeks, and how
    many of the past hours they said they would play they kept."""
    by_user: dict[int, list[Stay]] = defaultdict(list)
    for stay in all_stays:
        by_user[stay.user_id].append(stay)
    marked: dict[int, int] = defaultdict(int)
    kept: dict[int, int] = defaultdict(int)
    for day in past:
        for slot in day.window:
            if slot.start + HOUR > now:
                continue
            usual = [user for user, hours in day.usual.items() if slot.hour in hours]
            for user in said_in(slot.hour, day.marks, usual):
                marked[user] += 1
                if overlap(by_user[user], slot.start, slot.start + HOUR) >= KEPT_MINUTES * 60:
                    kept[user] += 1
    (_, week_start, week_end), *_ = weeks(today, 1, tz)
    four_start = local_midnight(today - timedelta(days=27), tz)
    rows = []
    for user in sorted(set(members) | set(by_user) | set(marked)):
        mine = by_user[user]
        rows.append(
            MemberGlance(
                user_id=user,
                last_seen=max((s.end for s in mine), default=0.0),
                hours_week=round(overlap(mine, week_start, week_end) / HOUR, 2),
                hours_4_weeks=round(overlap(mine, four_start, now) / HOUR, 2),
                marked_hours=marked[user],
                kept_hours=kept[user],
            )
        )
    return rows


def local_today(now: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(now, tz).date()

"""The dashboard's numbers about members, from voice sessions and marks: pure functions.

**One definition of the periods, everywhere** (the members table, My page, the docs): in
the community's timezone, *this week* is the last 7 days, today and the 6 before it, and
*the last 4 weeks* the last 28 days, from local midnight; a member's four weeks are the
four 7-day blocks of those 28 days, the last of them this week. Rolling rather than
calendar weeks, so that "this week" on a Monday morning is not empty and the two pages'
figures are the same sums of the same stays.

**Reliability** is about the hours a member said they would play (a reaction, or their
usual hours not taken back): how many of them they then spent in voice, an hour being kept
with at least ``KEPT_MINUTES`` of it in voice. Only hours already over count, and only
from when the member said so: usual hours are read from the schedule in force at each
hour (see ``services.telemetry.schedules.versions``), never today's applied backwards.
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
WEEKS = 4


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


def weeks(today: date, count: int, tz: ZoneInfo) -> list[tuple[date, float, float]]:
    """The last ``count`` 7-day blocks, the one ending today last: (first day, start, end)."""
    found = []
    for n in range(count):
        first = today - timedelta(days=7 * (count - n) - 1)
        start = local_midnight(first, tz)
        found.append((first, start, local_midnight(first + timedelta(days=7), tz)))
    return found


def first_day(today: date, count: int = WEEKS) -> date:
    """The first day of the last ``count`` weeks."""
    return today - timedelta(days=7 * count - 1)


def weekly_hours(mine: Sequence[Stay], today: date, tz: ZoneInfo, count: int) -> list[WeekHours]:
    found = []
    for first, start, end in weeks(today, count, tz):
        hours = round(overlap(mine, start, end) / HOUR, 2)
        found.append(WeekHours(monday=first.isoformat(), first_day=first.isoformat(), hours=hours))
    return found


def totals(mine: Sequence[Stay], today: date, tz: ZoneInfo) -> tuple[float, float]:
    """Hours in voice this week and in the last 4 weeks (see the module's definition)."""
    (_, week_start, week_end), *_ = weeks(today, 1, tz)
    four_start = local_midnight(first_day(today), tz)
    four_end = local_midnight(today + timedelta(days=1), tz)
    return (
        round(overlap(mine, week_start, week_end) / HOUR, 2),
        round(overlap(mine, four_start, four_end) / HOUR, 2),
    )


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


@dataclass(frozen=True, slots=True)
class Kept:
    """Reliability over a period: per member, the past hours they said they would play
    (``marked``) and those they were in voice for (``kept``); and per past hour, who of those
    who said so was there (``there``: the hour's first instant, the members)."""

    marked: Mapping[int, int]
    kept: Mapping[int, int]
    there: Sequence[tuple[float, tuple[int, ...]]]


def kept_hours(by_user: Mapping[int, Sequence[Stay]], past: Iterable[PastDay], now: float) -> Kept:
    """Each past hour of ``past`` that is over at ``now``: who said they would play it, and
    who of them spent at least ``KEPT_MINUTES`` of it in voice."""
    marked: dict[int, int] = defaultdict(int)
    kept: dict[int, int] = defaultdict(int)
    there: list[tuple[float, tuple[int, ...]]] = []
    for day in past:
        for slot in day.window:
            if slot.start + HOUR > now:
                continue
            usual = [user for user, hours in day.usual.items() if slot.hour in hours]
            came = []
            for user in sorted(said_in(slot.hour, day.marks, usual)):
                marked[user] += 1
                stays_of = by_user.get(user, ())
                if overlap(stays_of, slot.start, slot.start + HOUR) >= KEPT_MINUTES * 60:
                    kept[user] += 1
                    came.append(user)
            if came:
                there.append((slot.start, tuple(came)))
    return Kept(marked, kept, there)


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
    reliability = kept_hours(by_user, past, now)
    rows = []
    for user in sorted(set(members) | set(by_user) | set(reliability.marked)):
        mine = by_user[user]
        week, four = totals(mine, today, tz)
        rows.append(
            MemberGlance(
                user_id=user,
                last_seen=max((s.end for s in mine), default=0.0),
                hours_week=week,
                hours_4_weeks=four,
                marked_hours=reliability.marked.get(user, 0),
                kept_hours=reliability.kept.get(user, 0),
            )
        )
    return rows


def local_today(now: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(now, tz).date()

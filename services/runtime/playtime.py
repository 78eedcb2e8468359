"""Community time: the one home of the community's zone, days, hours and play window.

The scheduler, telemetry and the voice service all call these. Pure rules, with the instant
always passed in (calendar time: see ``bus.clock``):

- **Zones.** A community has an IANA timezone; a name that tzdata no longer knows means UTC.
- **Community days** are local dates in that zone, computed with ``zoneinfo``: a
  daylight-saving day lasts 23 or 25 hours, and a wall time skipped by a spring-forward
  does not exist that day.
- **The play window.** Community day ``D``'s window starts at local hour ``window_start`` of
  ``D`` and lasts ``window_hours`` hours, so it may run past midnight into ``D + 1``: a window
  from 22:00 for 4 hours holds 22, 23, 0 and 1. An hour is named by its local hour, unique
  within a window shorter than a day.
- **Usual hours.** A schedule on a member's own zone holds local weekdays and hours there:
  each community day, the window hours that start at one of them, read with ``zoneinfo``
  for that date, are the member's. An hour that does not exist for the member that day (a
  spring-forward) or falls outside the window is not theirs that day; nothing is moved.
  A schedule on the community's time (zone "") holds the community day's weekday for
  every hour of its window, also those after midnight.
- **Who is in an hour.** A member is in when they are *in voice* then (that wins: they are
  playing), or *reacted* with the hour, or clicked "Interested" on the Discord event made
  for the hour (until they un-click it), or usually play then and did not take it back
  today, by removing the hour's reaction or with "Not today" (a cancelled ``schedule`` mark).
- **Maybe.** A member may say "maybe" for an hour (a ``maybe`` mark). A maybe is not in:
  no count of players includes it. It stands beside an in from voice or a reaction (the
  stronger answer shows; remove the reaction and the maybe shows again), and it takes the
  member's usual hour back while it stands (they are no longer sure), giving it back when
  withdrawn.
- **Planned.** A member may plan hours of another of the next 14 days (a ``Plan``, kept by
  community day and window hour): on that day they are in those hours as if they had
  clicked them (marked 👍), until they take the plan back (``/plan``, "Not today"). An
  absence does not silence a plan: like a click, it was said for that day.
- **Away.** A member away (an ``Absence``) from one local date to another, on the calendar
  of the zone they said it in, has no usual hours in a window hour that starts on one of
  those dates there: no 📅, so no reminder or call counts them. Clicks, voice and maybes
  are said on the day and still count. Past its last date an absence holds nothing: it
  ends by itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from bus.protocol import Absence, GuildConfig, MarkFacts, MemberSchedule, PostWindow, WeeklySlot


class How(StrEnum):
    """How a member is in an hour, strongest first (the values are mark sources)."""

    VOICE = "voice"
    REACTED = "reaction"
    INTERESTED = "interested"  # "Interested" on the Discord event squadtime made for the hour
    PICKED = "picked"  # from a nudge's button, in a DM
    SCHEDULED = "schedule"


STRENGTH = list(How)
_HOWS = frozenset(How)

MARKS = {
    How.VOICE: "🎧",
    How.REACTED: "👍",
    How.INTERESTED: "🔔",
    How.PICKED: "📨",
    How.SCHEDULED: "📅",
}
"""How each way of being in an hour is marked, in the daily message and on the dashboard."""
MARK_MEANINGS = {
    How.VOICE: "in voice",
    How.REACTED: "reacted",
    How.INTERESTED: "interested in the event",
    How.PICKED: "answered a nudge",
    How.SCHEDULED: "usual hours",
}

MAYBE = "maybe"
"""The source of a mark saying the member might play that hour (not a ``How``: not in)."""
MAYBE_MARK = "❔"
MAYBE_MEANING = "maybe"

MAX_AWAY_DAYS = 366
"""How far ahead an absence may end, in days from the member's today: a year, leap day
included. Further than that is more likely a typo in the year than a plan."""
MAX_AWAY_NOTE = 100
"""Characters of an absence's note: a line in ``/away show``, not a letter."""
AWAY_MARK = "🏖️"

MAX_WINDOW_HOURS = 20  # Discord allows 20 distinct reactions on a message
MIN_QUORUM, MAX_QUORUM = 2, 20  # members in an hour for an "enough players" call
MIN_REMINDER, MAX_REMINDER = 5, 120  # minutes a reminder comes before the hour
DEFAULT_REMINDER = 15  # minutes, when a member does not say


@functools.cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA timezone name this machine knows, sorted."""
    return tuple(sorted(available_timezones()))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(timezone_names())


def timezone_named(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    return ZoneInfo(name) if name in _known() else None


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; UTC for a name tzdata does not know (any more)."""
    return timezone_named(name) or ZoneInfo("UTC")


def community_date(at: float, tz: ZoneInfo) -> date:
    """The local date of instant ``at`` (unix seconds) in zone ``tz``."""
    return datetime.fromtimestamp(at, tz).date()


def local_midnight(day: date, tz: ZoneInfo) -> float:
    """The instant local ``day`` begins. Where midnight itself is skipped (a clock that
    jumps from 00:00 to 01:00), ``fold=0`` maps it to the jump, which is when the day begins."""
    return datetime.combine(day, time(0), tzinfo=tz).timestamp()


def local_wall(day: date, offset_hours: int, tz: ZoneInfo) -> datetime | None:
    """Local ``day`` plus ``offset_hours`` o'clock (past 23 is the next days), or None when a
    spring-forward skips that wall time."""
    moment = datetime.combine(day + timedelta(days=offset_hours // 24), time(offset_hours % 24))
    local = moment.replace(tzinfo=tz)
    round_trip = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return local if round_trip == moment else None


def hour_start(at: float, tz: ZoneInfo) -> float:
    """The first instant of the local hour holding ``at``."""
    return datetime.fromtimestamp(at, tz).replace(minute=0, second=0, microsecond=0).timestamp()


@dataclass(frozen=True, slots=True)
class WindowHour:
    """One hour of a community day's window: its local hour (which names it) and first instant."""

    hour: int
    start: float


def window_of(day: date, config: GuildConfig | PostWindow) -> list[WindowHour]:
    """The hours of community day ``day``'s window, in order (a skipped wall time has none)."""
    tz = zone(config.timezone)
    hours = []
    for index in range(config.window_hours):
        offset = config.window_start + index
        wall = local_wall(day, offset, tz)
        if wall is not None:
            hours.append(WindowHour(offset % 24, wall.timestamp()))
    return hours


def weekly_hour(at: float, tz: ZoneInfo) -> tuple[int, int] | None:
    """The local (weekday, hour) of instant ``at`` in ``tz``; None for the second pass of an
    hour a fall-back repeats, so that a usual hour is one hour of play, not two."""
    local = datetime.fromtimestamp(at, tz)
    return None if local.fold else (local.weekday(), local.hour)


def _holds(
    schedule: MemberSchedule, day: date, window: Sequence[WindowHour]
) -> Iterable[WindowHour]:
    slots = {(slot.weekday, slot.hour) for slot in schedule.slots}
    if not schedule.zone:
        weekday = day.weekday()
        return [hour for hour in window if (weekday, hour.hour) in slots]
    tz = zone(schedule.zone)
    return [hour for hour in window if weekly_hour(hour.start, tz) in slots]


def usual_hours(schedule: MemberSchedule, day: date, window: Sequence[WindowHour]) -> set[int]:
    """The hours of community day ``day`` (its ``window``, see ``window_of``) that the
    member's usual hours hold."""
    return {hour.hour for hour in _holds(schedule, day, window)}


def convert(
    schedule: MemberSchedule, to_zone: str, days: Iterable[date], config: GuildConfig
) -> MemberSchedule:
    """The same window hours of ``days`` (usually the coming week), on the clock of ``to_zone``
    ("" for the community's time); hours outside the window do not carry over."""
    slots: set[tuple[int, int]] = set()
    tz = zone(to_zone) if to_zone else None
    for day in days:
        for hour in _holds(schedule, day, window_of(day, config)):
            key = (day.weekday(), hour.hour) if tz is None else weekly_hour(hour.start, tz)
            if key is not None:
                slots.add(key)
    found = [WeeklySlot(weekday=d, hour=h) for d, h in sorted(slots)]
    return MemberSchedule(user_id=schedule.user_id, slots=found, zone=to_zone)


def window_hour(at: float, config: GuildConfig) -> tuple[date, int] | None:
    """The community day and local hour of the window holding ``at``; None outside windows."""
    local = datetime.fromtimestamp(at, zone(config.timezone))
    for days_back in (0, 1):
        offset = days_back * 24 + local.hour
        if config.window_start <= offset < config.window_start + config.window_hours:
            return local.date() - timedelta(days=days_back), local.hour
    return None


def maybes(hour: int, marks: Iterable[MarkFacts]) -> set[int]:
    """Who said "maybe" for local ``hour`` of a day and has not withdrawn it (whether they
    are also in is for ``players`` to say)."""
    said: set[int] = set()
    for mark in marks:
        if mark.hour == hour and mark.source == MAYBE and not mark.cancelled:
            said.add(mark.user_id)
    return said


def players(
    hour: int, marks: Iterable[MarkFacts], usual: Iterable[int], planned: Iterable[int] = ()
) -> dict[int, How]:
    """Who is in local ``hour`` of a day, and how: ``marks`` are the day's, ``usual`` the
    members whose schedule holds the hour, ``planned`` those who planned it (in as if they
    had clicked it)."""
    marks = list(marks)
    ways: dict[int, set[How]] = {user: {How.REACTED} for user in planned}
    taken_back = maybes(hour, marks)  # a standing maybe takes the usual hour back
    for mark in marks:
        if mark.hour != hour or mark.source not in _HOWS:
            continue  # a maybe, or a source newer than this code: neither is in
        if mark.source == How.SCHEDULED:
            # Schedule marks only take usual hours back ("Not today") or give them back.
            if mark.cancelled:
                taken_back.add(mark.user_id)
        elif mark.cancelled:
            if mark.source == How.REACTED:
                taken_back.add(mark.user_id)
        else:
            ways.setdefault(mark.user_id, set()).add(How(mark.source))
    for user in usual:
        if user not in taken_back:
            ways.setdefault(user, set()).add(How.SCHEDULED)
    return {user: min(found, key=STRENGTH.index) for user, found in ways.items()}


def away_at(absences: Iterable[Absence], at: float) -> bool:
    """Whether instant ``at`` (a window hour's start) falls on a date of one of
    ``absences``, each read on its own zone's calendar."""
    for absence in absences:
        local = community_date(at, zone(absence.zone)).isoformat()
        if not absence.cancelled and absence.first <= local <= absence.last:
            return True
    return False

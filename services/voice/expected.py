"""Who is expected this hour and the next, by the community's rules of play time.

The window and who is in an hour are ``services.runtime.playtime``'s, the same the daily
message shows: a member away that hour (``playtime.away_at``) is not expected from their
usual hours, as the message gives them no 📅. Outside the window nobody is expected: there
is no hour to sign up for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bus.protocol import Absence, GuildConfig, MarkFacts, MemberSchedule
from services.runtime import playtime


@dataclass(frozen=True, slots=True)
class Hour:
    """A local hour of a community day, and when it starts."""

    day: date
    hour: int
    start: float


def window_hour(at: float, config: GuildConfig) -> Hour | None:
    """The hour of a community day's window holding instant ``at``, or None outside windows."""
    found = playtime.window_hour(at, config)
    if found is None:
        return None
    return Hour(found[0], found[1], playtime.hour_start(at, playtime.zone(config.timezone)))


def this_and_next_hour(at: float, config: GuildConfig) -> list[Hour]:
    """The window hours holding ``at`` and one hour later (none, one or both)."""
    hours = []
    for instant in (at, at + 3600.0):
        found = window_hour(instant, config)
        if found is not None and found not in hours:
            hours.append(found)
    return hours


def expected(
    hours: Sequence[Hour],
    schedules: Iterable[MemberSchedule],
    marks: Mapping[date, Sequence[MarkFacts]],
    absences: Iterable[Absence] = (),
) -> dict[Hour, set[int]]:
    """Who is expected in each of ``hours``; ``marks`` holds each community day's marks,
    ``absences`` the guild's standing ones."""
    schedules = list(schedules)
    away: dict[int, list[Absence]] = {}
    for absence in absences:
        away.setdefault(absence.user_id, []).append(absence)
    found: dict[Hour, set[int]] = {}
    for hour in hours:
        window = [playtime.WindowHour(hour.hour, hour.start)]
        usual = [
            s.user_id
            for s in schedules
            if playtime.usual_hours(s, hour.day, window)
            and not playtime.away_at(away.get(s.user_id, ()), hour.start)
        ]
        found[hour] = set(playtime.players(hour.hour, marks.get(hour.day, ()), usual))
    return found

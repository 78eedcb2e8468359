"""Who is expected this hour and the next: pure time maths with the instant passed in.

An hour belongs to a community day when it falls in that day's play window (which may run
past midnight: a window from 22:00 for 4 hours holds 22, 23, 0 and 1 of the next date). A
member is expected in an hour of day ``D`` when they reacted for it, are in voice for it, or
usually play then (their schedule for ``D``'s weekday) and did not take it back today.
Outside the window nobody is expected: there is no hour to sign up for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bus.protocol import GuildConfig, MarkFacts, MemberSchedule

SCHEDULE = "schedule"


@dataclass(frozen=True, slots=True)
class Hour:
    """A local hour of a community day, and when it starts."""

    day: date
    hour: int
    start: float


def community_zone(config: GuildConfig) -> ZoneInfo:
    """The community's zone; an unknown name means UTC."""
    try:
        return ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def window_hour(at: float, config: GuildConfig) -> Hour | None:
    """The hour of a community day's window holding instant ``at``, or None outside windows."""
    local = datetime.fromtimestamp(at, community_zone(config))
    start = local.replace(minute=0, second=0, microsecond=0).timestamp()
    for days_back in (0, 1):
        offset = days_back * 24 + local.hour
        if config.window_start <= offset < config.window_start + config.window_hours:
            return Hour(local.date() - timedelta(days=days_back), local.hour, start)
    return None


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
) -> dict[Hour, set[int]]:
    """Who is expected in each of ``hours``; ``marks`` holds each community day's marks."""
    schedules = list(schedules)
    found: dict[Hour, set[int]] = {}
    for hour in hours:
        weekday = hour.day.weekday()
        usual = {
            s.user_id
            for s in schedules
            if any(slot.weekday == weekday and slot.hour == hour.hour for slot in s.slots)
        }
        taken_back: set[int] = set()
        signed_up: set[int] = set()
        for mark in marks.get(hour.day, ()):
            if mark.hour != hour.hour:
                continue
            if mark.cancelled:
                taken_back.add(mark.user_id)
            elif mark.source != SCHEDULE:
                signed_up.add(mark.user_id)
        people = (usual - taken_back) | signed_up
        found[hour] = people
    return found

"""Who is in, hour by hour, for one community day: the rules of marks, as pure functions.

A member is in an hour of the day when:

- they are **in voice** then (a ``voice`` mark): that wins over everything, they are playing;
- or they **reacted** with the hour's emoji (a ``reaction`` mark that is not cancelled);
- or the hour is in their **usual schedule** for the day's weekday, unless they took it
  back for today: by removing the hour's reaction (a cancelled ``reaction`` mark) or with
  the message's "Not today" button (cancelled ``schedule`` marks).

The weekday of a schedule is the community day's, for every hour of its window, also the
hours after midnight: a member who usually plays "Friday 22:00 to 02:00" picks Friday.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bus.protocol import MarkFacts
from services.scheduler.slots import Slot


class How(StrEnum):
    """How a member is in an hour, strongest first."""

    VOICE = "voice"
    REACTED = "reaction"
    SCHEDULED = "schedule"


@dataclass(frozen=True, slots=True)
class HourLine:
    """One hour of the day and who is in it, strongest ``How`` first."""

    slot: Slot
    players: list[tuple[int, How]]


def scheduled_hours(slots: Iterable[tuple[int, int]], weekday: int) -> set[int]:
    """The hours of ``weekday`` among a member's (weekday, hour) schedule slots."""
    return {hour for day, hour in slots if day == weekday}


def attendance(
    slots: Iterable[Slot], marks: Iterable[MarkFacts], scheduled: Mapping[int, set[int]]
) -> list[HourLine]:
    """Each slot with its players; ``scheduled`` maps a member to their hours of this day."""
    live: dict[tuple[int, int], set[How]] = {}
    dropped: set[tuple[int, int]] = set()
    for mark in marks:
        key = (mark.hour, mark.user_id)
        if mark.source == How.SCHEDULED:
            # Schedule marks only take usual hours back ("Not today") or give them back.
            if mark.cancelled:
                dropped.add(key)
        elif mark.cancelled:
            if mark.source == How.REACTED:
                dropped.add(key)
        else:
            live.setdefault(key, set()).add(How(mark.source))
    for user, hours in scheduled.items():
        for hour in hours:
            if (hour, user) not in dropped:
                live.setdefault((hour, user), set()).add(How.SCHEDULED)
    order = list(How)
    by_hour: dict[int, list[tuple[int, How]]] = {}
    for (hour, user), ways in live.items():
        by_hour.setdefault(hour, []).append((user, min(ways, key=order.index)))
    return [
        HourLine(slot, sorted(by_hour.get(slot.hour, []), key=lambda p: (order.index(p[1]), p[0])))
        for slot in slots
    ]

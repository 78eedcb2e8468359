"""Who is in, hour by hour, for one community day (the rules: ``services.runtime.playtime``).

The weekday of a schedule is the community day's, for every hour of its window, also the
hours after midnight: a member who usually plays "Friday 22:00 to 02:00" picks Friday.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bus.protocol import MarkFacts
from services.runtime.playtime import STRENGTH, How, players
from services.scheduler.slots import Slot


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
    marks = list(marks)
    lines = []
    for slot in slots:
        usual = [user for user, hours in scheduled.items() if slot.hour in hours]
        found = players(slot.hour, marks, usual)
        ordered = sorted(found.items(), key=lambda p: (STRENGTH.index(p[1]), p[0]))
        lines.append(HourLine(slot, ordered))
    return lines

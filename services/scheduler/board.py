"""Who is in, hour by hour, for one community day (the rules: ``services.runtime.playtime``,
which also says which hours of a day a member's usual hours hold)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bus.protocol import MarkFacts
from services.runtime.playtime import STRENGTH, How, maybes, players
from services.scheduler.slots import Slot


@dataclass(frozen=True, slots=True)
class HourLine:
    """One hour of the day and who is in it, strongest ``How`` first; ``maybes`` are the
    members who said "maybe" and are not in (by id: the text sorts them by name)."""

    slot: Slot
    players: list[tuple[int, How]]
    maybes: list[int] = field(default_factory=list)


def attendance(
    slots: Iterable[Slot],
    marks: Iterable[MarkFacts],
    scheduled: Mapping[int, set[int]],
    planned: Mapping[int, set[int]] | None = None,
) -> list[HourLine]:
    """Each slot with its players; ``scheduled`` maps a member to their usual hours of this
    day, ``planned`` to the hours they planned for it."""
    marks = list(marks)
    lines = []
    for slot in slots:
        usual = [user for user, hours in scheduled.items() if slot.hour in hours]
        said = [user for user, hours in (planned or {}).items() if slot.hour in hours]
        found = players(slot.hour, marks, usual, said)
        ordered = sorted(found.items(), key=lambda p: (STRENGTH.index(p[1]), p[0]))
        unsure = sorted(maybes(slot.hour, marks) - found.keys())
        lines.append(HourLine(slot, ordered, unsure))
    return lines

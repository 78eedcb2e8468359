"""Which reminders a day holds: one per run of consecutive hours, for its first hour."""

from __future__ import annotations

from datetime import date

from bus.protocol import ReminderChoice
from services.runtime.playtime import How
from services.scheduler.board import HourLine
from services.scheduler.engines.reminders import due_reminders, runs
from services.scheduler.once import reference
from services.scheduler.slots import Slot

T = 1_800_000_000.0
ANN, BOB = 1, 2


def _day(*who: set[int], gap_after: int = -1) -> list[HourLine]:
    """Hours from 18:00, one per set of players; ``gap_after`` skips an hour (a DST gap)."""
    lines = []
    start = T
    for index, players in enumerate(who):
        slot = Slot(hour=18 + index, start=start, emoji="x")
        lines.append(HourLine(slot, [(user, How.REACTED) for user in sorted(players)]))
        start += 7200.0 if index == gap_after else 3600.0
    return lines


def test_consecutive_hours_give_one_reminder_for_the_first() -> None:
    """In 19:00-21:00 and 23:00: reminders for 19:00 and 23:00 only."""
    day = _day(set(), {ANN}, {ANN}, {ANN}, set(), {ANN})
    assert [slot.hour for slot in runs(day, ANN)] == [19, 23]
    assert runs(day, BOB) == []


def test_a_run_broken_by_a_missing_wall_hour_is_two_runs() -> None:
    """Two hours two real hours apart (a skipped hour between) are not consecutive."""
    day = _day({ANN}, {ANN}, gap_after=0)
    assert [slot.hour for slot in runs(day, ANN)] == [18, 19]


def test_due_times_follow_each_members_minutes() -> None:
    """Ann 15 minutes before 19:00, Bob 120 minutes before 18:00; by due time."""
    day = _day({BOB}, {ANN, BOB})
    due = due_reminders(day, [ReminderChoice(ANN), ReminderChoice(BOB, minutes=120)])
    assert [(d.user_id, d.slot.hour, d.at) for d in due] == [
        (BOB, 18, T - 7200.0),
        (ANN, 19, T + 3600.0 - 900.0),
    ]


def test_references_name_one_delivery() -> None:
    """The same key gives the same reference; another hour, member or kind another one."""
    day = date(2026, 3, 10)
    keys = [(19, ANN, "reminder"), (20, ANN, "reminder"), (19, BOB, "reminder"), (19, 0, "call")]
    found = {reference(9, day, hour, user, kind) for hour, user, kind in keys}
    assert len(found) == len(keys)
    assert reference(9, day, 19, ANN, "reminder") == reference(9, day, 19, ANN, "reminder")

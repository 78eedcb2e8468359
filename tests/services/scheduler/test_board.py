"""Who is in each hour: reactions, usual hours, voice, and taking hours back."""

from __future__ import annotations

from bus.protocol import MarkFacts
from services.runtime.playtime import How
from services.scheduler.board import HourLine, attendance
from services.scheduler.slots import Slot

SLOTS = [Slot(hour=h, start=h * 3600.0, emoji=str(h)) for h in (18, 19, 20)]
ALICE, BOB, CAROL = 1, 2, 3


def _who(lines: list[HourLine]) -> dict[int, list[tuple[int, How]]]:
    return {line.slot.hour: line.players for line in lines}


def test_usual_hours_show_until_taken_back() -> None:
    """A schedule fills its hours; a removed reaction or "Not today" takes an hour back."""
    marks = [
        MarkFacts(user_id=ALICE, hour=19, source="reaction", cancelled=True),
        MarkFacts(user_id=BOB, hour=20, source="schedule", cancelled=True),
    ]
    lines = attendance(SLOTS, marks, {ALICE: {18, 19}, BOB: {19, 20}})
    assert _who(lines) == {
        18: [(ALICE, How.SCHEDULED)],
        19: [(BOB, How.SCHEDULED)],
        20: [],
    }


def test_voice_beats_a_reaction_which_beats_a_schedule() -> None:
    """One entry per member and hour, the strongest way they are in."""
    marks = [
        MarkFacts(user_id=ALICE, hour=18, source="reaction"),
        MarkFacts(user_id=ALICE, hour=18, source="voice"),
        MarkFacts(user_id=BOB, hour=18, source="reaction"),
    ]
    lines = attendance(SLOTS, marks, {ALICE: {18}, BOB: {18}, CAROL: {18}})
    assert _who(lines)[18] == [(ALICE, How.VOICE), (BOB, How.REACTED), (CAROL, How.SCHEDULED)]


def test_being_in_voice_counts_even_after_removing_the_reaction() -> None:
    """A cancelled reaction does not hide a member who is actually playing."""
    marks = [
        MarkFacts(user_id=ALICE, hour=18, source="reaction", cancelled=True),
        MarkFacts(user_id=ALICE, hour=18, source="voice"),
    ]
    assert _who(attendance(SLOTS, marks, {}))[18] == [(ALICE, How.VOICE)]


def test_marks_outside_the_window_are_not_shown() -> None:
    """An hour that is no longer in the window (after an admin changed it) lists nobody."""
    marks = [MarkFacts(user_id=ALICE, hour=3, source="reaction")]
    assert all(not line.players for line in attendance(SLOTS, marks, {BOB: {4}}))


def test_an_undone_not_today_gives_the_usual_hour_back() -> None:
    """A schedule mark that is not cancelled neither adds nor removes anyone."""
    marks = [MarkFacts(user_id=ALICE, hour=18, source="schedule", cancelled=False)]
    assert _who(attendance(SLOTS, marks, {ALICE: {18}}))[18] == [(ALICE, How.SCHEDULED)]
    assert _who(attendance(SLOTS, marks, {}))[18] == []

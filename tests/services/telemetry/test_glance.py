"""The members table's numbers: hours in voice, last seen, and marked hours kept in voice."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bus.protocol import MarkFacts
from services.runtime.playtime import WindowHour
from services.telemetry.glance import PastDay, Stay, co_players, glance, said_in

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = date(2026, 3, 10)


def _at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 10, hour, minute, tzinfo=PARIS).timestamp()


def _mark(user: int, hour: int, source: str = "reaction", cancelled: bool = False) -> MarkFacts:
    return MarkFacts(user_id=user, hour=hour, source=source, cancelled=cancelled)


def test_said_in_counts_clicks_and_usual_hours_not_taken_back() -> None:
    """A click says yes; usual hours say yes unless taken back; voice marks say nothing."""
    marks = [_mark(1, 19), _mark(2, 19, "schedule", cancelled=True), _mark(3, 19, "voice")]
    assert said_in(19, marks, usual=[2, 4]) == {1, 4}


def test_an_hour_is_kept_with_a_quarter_of_it_in_voice() -> None:
    """Alice said 19:00 and 20:00 and played 19:00-19:20: one of two hours kept."""
    window = [WindowHour(19, _at(19)), WindowHour(20, _at(20)), WindowHour(21, _at(21))]
    day = PastDay(window=window, marks=[_mark(1, 19), _mark(1, 20)], usual={2: {21}})
    stays = [Stay(1, 5, _at(19), _at(19, 20)), Stay(2, 5, _at(19, 10), _at(19, 20))]
    rows = glance([1, 2], stays, [day], now=_at(23), today=TUESDAY, tz=PARIS)
    by_user = {row.user_id: row for row in rows}
    assert (by_user[1].marked_hours, by_user[1].kept_hours) == (2, 1)
    assert (by_user[2].marked_hours, by_user[2].kept_hours) == (1, 0)
    assert by_user[1].last_seen == _at(19, 20)
    assert by_user[1].hours_week == round(20 / 60, 2)


def test_hours_not_over_yet_are_not_judged() -> None:
    """At 20:30 the 20:00 hour Alice said she would play does not count yet."""
    window = [WindowHour(20, _at(20))]
    day = PastDay(window=window, marks=[_mark(1, 20)], usual={})
    rows = glance([1], [], [day], now=_at(20, 30), today=TUESDAY, tz=PARIS)
    assert (rows[0].marked_hours, rows[0].kept_hours) == (0, 0)


def test_co_players_are_ranked_by_shared_time_in_the_same_channel() -> None:
    """Bob shared an hour with Alice, Carol half an hour, Dan was in another channel."""
    stays = [
        Stay(1, 5, _at(19), _at(21)),
        Stay(2, 5, _at(19), _at(20)),
        Stay(3, 5, _at(20, 30), _at(22)),
        Stay(4, 6, _at(19), _at(21)),
    ]
    assert [(c.user_id, c.hours) for c in co_players(stays, 1, top=5)] == [(2, 1.0), (3, 0.5)]

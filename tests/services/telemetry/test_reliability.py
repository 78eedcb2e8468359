"""Reliability counts from the day a member said so: usual hours are judged by the schedule
in force at each hour, never today's applied to the days before it was saved."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bus.protocol import GuildConfig, MarkFacts, MemberSchedule, WeeklySlot
from services.telemetry import schedules, store
from services.telemetry.dashboard import past_days
from services.telemetry.days import get_day, get_days, record_mark
from services.telemetry.glance import Stay, kept_hours

PARIS = "Europe/Paris"
GUILD, ANN = 5, 71
MONDAY = date(2026, 3, 9)  # yesterday, in the tests below
EVERY_EVENING = [WeeklySlot(weekday=d, hour=h) for d in range(7) for h in range(18, 22)]


def _at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo(PARIS)).timestamp()


def _configured(connection: sqlite3.Connection) -> GuildConfig:
    config = GuildConfig(guild_id=GUILD, timezone=PARIS, window_start=18, window_hours=4)
    return store.set_config(connection, config)


def test_a_schedule_saved_yesterday_counts_no_hour_before_yesterday(
    connection: sqlite3.Connection,
) -> None:
    """Saved on Monday at noon, every evening's usual hours count from Monday 18:00: four
    on Monday and the two over by Tuesday 20:30; none of the 26 days before."""
    config = _configured(connection)
    schedule = MemberSchedule(user_id=ANN, slots=EVERY_EVENING, zone=PARIS)
    schedules.set_schedule(connection, GUILD, schedule, at=_at(9, 12))
    now = _at(10, 20, 30)
    past = past_days(connection, config, date(2026, 3, 10), now, hidden=set())
    played = [Stay(ANN, 1, _at(9, 18), _at(9, 20))]  # Monday 18:00-20:00
    counted = kept_hours({ANN: played}, past, now)
    assert (counted.marked[ANN], counted.kept[ANN]) == (6, 2)
    assert [at for at, _ in counted.there] == [_at(9, 18), _at(9, 19)]


def test_each_past_hour_is_judged_by_the_schedule_then(connection: sqlite3.Connection) -> None:
    """Saved at 19:30, a schedule counts from 20:00; cleared the next day, it stops; a click
    counts on its own day whatever the schedule."""
    config = _configured(connection)
    schedule = MemberSchedule(user_id=ANN, slots=EVERY_EVENING, zone=PARIS)
    schedules.set_schedule(connection, GUILD, schedule, at=_at(8, 19, 30))
    schedules.clear_schedule(connection, GUILD, ANN, at=_at(9, 12))
    click = MarkFacts(user_id=ANN, hour=21, source="reaction", at=_at(9, 13))
    record_mark(connection, GUILD, MONDAY, click)
    now = _at(10, 23)
    past = past_days(connection, config, date(2026, 3, 10), now, hidden=set())
    counted = kept_hours({}, past, now)
    assert counted.marked[ANN] == 2 + 1  # Sunday 20:00 and 21:00, Monday's click
    assert past[-2].usual == {ANN: set()}  # Monday: cleared at noon, before the window


def test_four_weeks_read_at_once_are_the_days_read_one_by_one(
    connection: sqlite3.Connection,
) -> None:
    """``get_days`` (two queries) gives what ``get_day`` gives for each day, marks in order."""
    _configured(connection)
    for day, user, hour in ((MONDAY, ANN, 21), (MONDAY, 72, 19), (date(2026, 3, 7), ANN, 18)):
        record_mark(
            connection,
            GUILD,
            day,
            MarkFacts(user_id=user, hour=hour, source="reaction", at=_at(7, 12)),
        )
    first = date(2026, 3, 1)
    one_by_one = [get_day(connection, GUILD, date(2026, 3, 1 + n)) for n in range(10)]
    assert get_days(connection, GUILD, first, 10) == one_by_one
    mine = get_days(connection, GUILD, first, 10, user_id=72)
    assert [m.user_id for state in mine for m in state.marks] == [72]

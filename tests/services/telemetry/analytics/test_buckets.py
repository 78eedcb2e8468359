"""Local hour, day and month buckets, daylight-saving days included."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.runtime.playtime import local_midnight
from services.telemetry.analytics.buckets import (
    last_days,
    local_days,
    local_hours,
    local_months,
    split,
    week_of,
)

from .builders import NEW_YORK, PARIS, local


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        (PARIS, date(2025, 3, 30), 23),
        (PARIS, date(2025, 10, 26), 25),
        (PARIS, date(2025, 7, 14), 24),
        (NEW_YORK, date(2025, 3, 9), 23),
        (NEW_YORK, date(2025, 11, 2), 25),
        (ZoneInfo("Asia/Kolkata"), date(2025, 3, 30), 24),
    ],
)
def test_a_local_day_has_its_real_number_of_hours(tz: ZoneInfo, day: date, hours: int) -> None:
    """Daylight-saving days have 23 or 25 hour buckets, ordinary days 24."""
    start = local_midnight(day, tz)
    end = local_midnight(date.fromordinal(day.toordinal() + 1), tz)
    buckets = local_hours(tz, start, end - 1)
    assert len(buckets) == hours
    assert buckets.edges[-1] - buckets.edges[0] == hours * 3600


def test_spring_forward_has_no_two_oclock_and_fall_back_has_two() -> None:
    """Paris skips 02:00 on 30 March and has it twice on 26 October."""
    spring = local_hours(
        PARIS, local_midnight(date(2025, 3, 30), PARIS), local(PARIS, 2025, 3, 30, 23).timestamp()
    )
    assert [start.hour for start in spring.starts].count(2) == 0
    autumn = local_hours(
        PARIS, local_midnight(date(2025, 10, 26), PARIS), local(PARIS, 2025, 10, 26, 23).timestamp()
    )
    assert [start.hour for start in autumn.starts].count(2) == 2


def test_half_hour_offsets_start_hours_on_the_local_hour() -> None:
    """In India every local hour starts at half past a UTC hour."""
    tz = ZoneInfo("Asia/Kolkata")
    buckets = local_hours(
        tz, local(tz, 2025, 1, 1, 10, 20).timestamp(), local(tz, 2025, 1, 1, 12).timestamp()
    )
    assert [start.hour for start in buckets.starts] == [10, 11]
    assert all(start.minute == 0 for start in buckets.starts)


def test_days_follow_local_midnight() -> None:
    """Day buckets start at local midnight, the DST day lasting 23 hours."""
    low = local(PARIS, 2025, 3, 29, 12).timestamp()
    days = local_days(PARIS, low, local(PARIS, 2025, 3, 31, 1).timestamp())
    assert [start.date() for start in days.starts] == [
        date(2025, 3, 29),
        date(2025, 3, 30),
        date(2025, 3, 31),
    ]
    assert days.edges[2] - days.edges[1] == 23 * 3600


def test_months_follow_the_local_calendar() -> None:
    """Month buckets start on the local first of the month."""
    months = local_months(
        NEW_YORK,
        local(NEW_YORK, 2024, 12, 15).timestamp(),
        local(NEW_YORK, 2025, 2, 1, 12).timestamp(),
    )
    assert [start.date() for start in months.starts] == [
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert datetime.fromtimestamp(months.edges[1], NEW_YORK) == local(NEW_YORK, 2025, 1, 1)


def test_split_cuts_intervals_at_edges_and_drops_outside_parts() -> None:
    """Pieces of an interval land in the buckets they cross; parts outside are dropped."""
    days = local_days(
        PARIS, local(PARIS, 2025, 1, 1).timestamp(), local(PARIS, 2025, 1, 2, 12).timestamp()
    )
    before = local(PARIS, 2024, 12, 31, 23).timestamp()
    after = local(PARIS, 2025, 1, 2, 1).timestamp()
    assert list(split([(before, after)], days)) == [(0, 86400.0), (1, 3600.0)]


def test_last_days_starts_at_local_midnight() -> None:
    """``days=1`` is today since local midnight; ``days=7`` goes back six local days."""
    now = local(NEW_YORK, 2025, 3, 10, 15)
    assert last_days(now, 1, NEW_YORK).start == local(NEW_YORK, 2025, 3, 10)
    assert last_days(now, 7, NEW_YORK).start == local(NEW_YORK, 2025, 3, 4)
    assert last_days(now, 7, NEW_YORK).end == now


def test_week_of_runs_monday_to_monday_local() -> None:
    """A week is local Monday 00:00 to the next Monday 00:00 (167 hours in DST week)."""
    week = week_of(date(2025, 3, 30), PARIS)
    assert week.start == local(PARIS, 2025, 3, 24)
    assert week.end == local(PARIS, 2025, 3, 31)
    low, high = week.bounds
    assert high - low == 167 * 3600

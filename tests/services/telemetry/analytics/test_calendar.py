"""Activity by local weekday and hour, and hours per local month."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.telemetry.analytics.calendar import MonthHours, monthly_hours, weekday_activity
from services.telemetry.analytics.presence import presence_by_channel, presence_by_user
from services.telemetry.analytics.sessions import GuildClock, Period, VoiceSession

from .builders import ALICE, BOB, NEW_YORK, PARIS, ROSTER, between, clock, local


def spans(
    sessions: list[VoiceSession], guild: GuildClock, period: Period
) -> dict[int, list[tuple[float, float]]]:
    """Per-member presence of the sessions within the period."""
    return presence_by_user(presence_by_channel(sessions, guild, ROSTER, period))


def test_session_across_local_midnight_splits_between_weekdays() -> None:
    """Sunday 23:30 to Monday 00:30 local gives 30 min to each day, in the right hours."""
    period = Period(local(PARIS, 2025, 6, 1), local(PARIS, 2025, 6, 3))
    session = between(local(PARIS, 2025, 6, 1, 23, 30), local(PARIS, 2025, 6, 2, 0, 30))
    activity = weekday_activity(spans([session], clock(), period), clock(), period)
    assert activity.hours[6][23] == pytest.approx(0.5)
    assert activity.hours[0][0] == pytest.approx(0.5)
    assert activity.totals == pytest.approx((0.5, 0, 0, 0, 0, 0, 0.5))
    assert activity.days == (1, 0, 0, 0, 0, 0, 1)


def test_buckets_are_local_not_utc() -> None:
    """Evening play in New York lands on the local weekday and hour, not the UTC ones."""
    guild = clock(NEW_YORK)
    period = Period(local(NEW_YORK, 2025, 6, 6), local(NEW_YORK, 2025, 6, 7))
    # Friday 21:00-22:00 in New York is Saturday 01:00-02:00 UTC.
    session = between(local(NEW_YORK, 2025, 6, 6, 21), local(NEW_YORK, 2025, 6, 6, 22))
    activity = weekday_activity(spans([session], guild, period), guild, period)
    assert activity.hours[4][21] == pytest.approx(1.0)
    assert sum(activity.totals) == pytest.approx(1.0)


def test_fall_back_hour_counts_twice_in_its_cell() -> None:
    """On the 25-hour day, a session through both 02:00 hours puts 2 h in the 02h cell."""
    period = Period(local(PARIS, 2025, 10, 26), local(PARIS, 2025, 10, 27))
    start = local(PARIS, 2025, 10, 26, 2)  # the first 02:00 (summer time)
    end = local(PARIS, 2025, 10, 26, 3)  # one hour after the second 02:00
    assert end.timestamp() - start.timestamp() == 2 * 3600
    activity = weekday_activity(spans([between(start, end)], clock(), period), clock(), period)
    assert activity.hours[6][2] == pytest.approx(2.0)
    assert activity.totals[6] == pytest.approx(2.0)


def test_spring_forward_day_has_no_two_oclock_activity() -> None:
    """01:30 to 03:30 on the 23-hour day is one real hour, half in 01h and half in 03h."""
    period = Period(local(PARIS, 2025, 3, 30), local(PARIS, 2025, 3, 31))
    session = between(local(PARIS, 2025, 3, 30, 1, 30), local(PARIS, 2025, 3, 30, 3, 30))
    activity = weekday_activity(spans([session], clock(), period), clock(), period)
    assert activity.hours[6][1] == pytest.approx(0.5)
    assert activity.hours[6][2] == 0
    assert activity.hours[6][3] == pytest.approx(0.5)


def test_member_hours_add_up_across_members() -> None:
    """Two members in the same hour make two member-hours; averages divide by days."""
    period = Period(local(PARIS, 2025, 6, 2), local(PARIS, 2025, 6, 16))
    sessions = [
        between(local(PARIS, 2025, 6, 2, 20), local(PARIS, 2025, 6, 2, 21), user=ALICE),
        between(local(PARIS, 2025, 6, 2, 20), local(PARIS, 2025, 6, 2, 21), user=BOB),
    ]
    activity = weekday_activity(spans(sessions, clock(), period), clock(), period)
    assert activity.hours[0][20] == pytest.approx(2.0)
    assert activity.days == (2, 2, 2, 2, 2, 2, 2)
    assert activity.averages[0] == pytest.approx(1.0)


def test_session_across_a_month_boundary_is_split() -> None:
    """31 Jan 23:00 to 1 Feb 01:00 local gives an hour to January and an hour to February."""
    period = Period(local(PARIS, 2025, 1, 1), local(PARIS, 2025, 3, 1))
    session = between(local(PARIS, 2025, 1, 31, 23), local(PARIS, 2025, 2, 1, 1))
    months = monthly_hours(spans([session], clock(), period), clock(), period)
    assert months == (MonthHours(date(2025, 1, 1), 1.0), MonthHours(date(2025, 2, 1), 1.0))


def test_month_boundary_is_local_not_utc() -> None:
    """31 Jan 23:30 local in Paris (22:30 UTC) belongs to January, 00:30 to February."""
    period = Period(local(PARIS, 2025, 1, 15), local(PARIS, 2025, 2, 15))
    session = between(local(PARIS, 2025, 1, 31, 23, 30), local(PARIS, 2025, 2, 1, 0, 30))
    months = monthly_hours(spans([session], clock(), period), clock(), period)
    assert [(m.month.month, m.hours) for m in months] == [(1, 0.5), (2, 0.5)]


def test_empty_months_are_listed() -> None:
    """Months of the period without any voice are reported with zero hours."""
    period = Period(
        local(PARIS, 2025, 1, 10),
        datetime.fromtimestamp(local(PARIS, 2025, 4, 2).timestamp(), PARIS),
    )
    months = monthly_hours({}, clock(), period)
    assert [(m.month, m.hours) for m in months] == [
        (date(2025, 1, 1), 0.0),
        (date(2025, 2, 1), 0.0),
        (date(2025, 3, 1), 0.0),
        (date(2025, 4, 1), 0.0),
    ]

"""A member's weekly timeline on the local Monday-to-Sunday grid."""

from __future__ import annotations

from datetime import date

import pytest

from services.telemetry.analytics.timeline import Segment, weekly_timeline

from .builders import ALICE, BOB, PARIS, ROSTER, between, clock, local


def test_sessions_land_on_local_days_and_hours() -> None:
    """A session across midnight becomes two bars, other members and weeks are ignored."""
    sessions = [
        between(local(PARIS, 2025, 6, 3, 22), local(PARIS, 2025, 6, 4, 1, 30)),
        between(local(PARIS, 2025, 6, 3, 20), local(PARIS, 2025, 6, 3, 21), user=BOB),
        between(local(PARIS, 2025, 6, 10, 20), local(PARIS, 2025, 6, 10, 21)),
    ]
    week = weekly_timeline(sessions, clock(), ROSTER, ALICE, date(2025, 6, 5))
    assert week.monday == date(2025, 6, 2)
    assert week.segments == (Segment(1, 22.0, 24.0, 10), Segment(2, 0.0, 1.5, 10))
    assert week.total_hours == pytest.approx(3.5)


def test_sessions_are_clipped_to_the_week() -> None:
    """A session from Sunday night into the next Monday keeps only its Sunday part."""
    sessions = [between(local(PARIS, 2025, 6, 8, 23), local(PARIS, 2025, 6, 9, 2))]
    week = weekly_timeline(sessions, clock(), ROSTER, ALICE, date(2025, 6, 2))
    assert week.segments == (Segment(6, 23.0, 24.0, 10),)


def test_spring_forward_leaves_the_missing_hour_empty() -> None:
    """01:30 to 03:30 on 30 March is drawn 01:30-02:00 and 03:00-03:30: one real hour."""
    sessions = [between(local(PARIS, 2025, 3, 30, 1, 30), local(PARIS, 2025, 3, 30, 3, 30))]
    week = weekly_timeline(sessions, clock(), ROSTER, ALICE, date(2025, 3, 30))
    assert week.segments == (Segment(6, 1.5, 2.0, 10), Segment(6, 3.0, 3.5, 10))
    assert week.total_hours == pytest.approx(1.0)


def test_fall_back_hour_is_drawn_once_per_pass() -> None:
    """Through the repeated 02:00 hour, the bars overlap on the grid but total real time."""
    start = local(PARIS, 2025, 10, 26, 1, 30)
    end = local(PARIS, 2025, 10, 26, 3, 30)  # three real hours later
    week = weekly_timeline([between(start, end)], clock(), ROSTER, ALICE, date(2025, 10, 26))
    assert week.segments == (Segment(6, 1.5, 3.0, 10), Segment(6, 2.0, 3.5, 10))
    assert week.total_hours == pytest.approx(3.0)


def test_channels_get_their_own_bars() -> None:
    """A move between channels splits the bar by channel."""
    sessions = [
        between(local(PARIS, 2025, 6, 2, 20), local(PARIS, 2025, 6, 2, 21), channel=10),
        between(local(PARIS, 2025, 6, 2, 21), local(PARIS, 2025, 6, 2, 22), channel=11),
    ]
    week = weekly_timeline(sessions, clock(), ROSTER, ALICE, date(2025, 6, 2))
    assert week.segments == (Segment(0, 20.0, 21.0, 10), Segment(0, 21.0, 22.0, 11))

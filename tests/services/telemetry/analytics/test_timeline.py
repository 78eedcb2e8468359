"""A member's weekly timeline on the local Monday-to-Sunday grid."""

from __future__ import annotations

from datetime import date

import pytest

from services.telemetry.analytics.render.timeline import trend
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


@pytest.mark.parametrize(
    ("weeks", "arrow"),
    [
        ([1.7, 5.8, 6.4, 8.6, 11.0], "\u2191"),  # growing week after week
        ([0.0, 7.7, 10.0, 0.0, 0.0], "\u2193"),  # played, then stopped
        ([0.0, 6.6, 8.4, 2.1, 0.8], "\u2193"),  # fading: a small last week is not a rise
        ([None, None, 4.0, 4.2, 3.9, 4.1], "\u2192"),  # steady; no-data weeks left out
        ([None, 3.0], ""),  # one week with data: no trend
    ],
)
def test_a_members_trend_is_the_later_half_against_the_earlier(
    weeks: list[float | None], arrow: str
) -> None:
    """The arrow after a member's name reads their weeks as a moderator would."""
    assert trend(weeks) == arrow

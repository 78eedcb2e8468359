"""Last seen and weekly hours, for every member of the roster."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from services.telemetry.analytics.inactivity import inactivity, rolling_weeks

from .builders import AFK, ALICE, BOB, CAROL, DAVE, ERIN, PARIS, ROSTER, between, clock, local

NOW = local(PARIS, 2025, 4, 2, 12)


def test_members_without_voice_are_listed_first() -> None:
    """Roster members never in voice come first, then the longest unseen; no bots."""
    sessions = [
        between(NOW - timedelta(days=3, hours=2), NOW - timedelta(days=3), user=ALICE),
        between(NOW - timedelta(days=10, hours=1), NOW - timedelta(days=10), user=BOB),
    ]
    report = inactivity(sessions, clock(), ROSTER, NOW, weeks=4)
    order = [row.user_id for row in report.members]
    assert order == [CAROL, DAVE, ERIN, BOB, ALICE]
    assert report.members[0].last_seen is None
    assert report.days_since_seen(report.members[0]) is None
    assert report.days_since_seen(report.members[-1]) == pytest.approx(3.0)
    assert report.members[-1].last_seen == (NOW - timedelta(days=3)).astimezone(UTC)


def test_weekly_hours_fall_in_their_rolling_week() -> None:
    """Hours land in the right seven-day window, the newest one ending now."""
    sessions = [
        between(NOW - timedelta(days=1, hours=2), NOW - timedelta(days=1), user=ALICE),
        between(NOW - timedelta(days=15, hours=3), NOW - timedelta(days=15), user=ALICE),
    ]
    report = inactivity(sessions, clock(), ROSTER, NOW, weeks=3)
    alice = next(row for row in report.members if row.user_id == ALICE)
    assert alice.weekly_hours == pytest.approx((3.0, 0.0, 2.0))


def test_last_seen_ignores_afk_and_clips_to_now() -> None:
    """AFK time is not being seen in voice; a session still open at now ends at now."""
    sessions = [
        between(NOW - timedelta(hours=1), NOW + timedelta(hours=1), user=ALICE),
        between(NOW - timedelta(hours=1), NOW, channel=AFK, user=BOB),
    ]
    report = inactivity(sessions, clock(), ROSTER, NOW, weeks=1)
    rows = {row.user_id: row for row in report.members}
    assert rows[ALICE].last_seen == NOW.astimezone(UTC)
    assert rows[BOB].last_seen is None


def test_rolling_weeks_are_seven_local_days_across_dst() -> None:
    """The week holding the spring-forward night is 167 hours long."""
    weeks = rolling_weeks(NOW, 2, clock())
    lengths = [b - a for a, b in zip(weeks.edges, weeks.edges[1:], strict=False)]
    assert lengths == [168 * 3600, 167 * 3600]
    assert weeks.starts[0] == local(PARIS, 2025, 3, 19, 12)

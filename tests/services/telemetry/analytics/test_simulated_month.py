"""The demo's month, as the community simulator plans it, drawn as the graphs draw it.

``tests/test_ground_truth.py`` shows that the fleet records exactly what the simulator
plays (to the minute). Here the same plan (``plan_day`` of the demo's spec: 16 members,
seed 7, drifting members from the middle of the month, a showcase evening on "today") is
handed to the analytics as voice sessions, and the two graphs that answer "who drifts, who
grows" must give each member the hours the plan adds up to, computed here independently
with plain timestamps: hours per local month, and hours per rolling local week.

The month is the 28 days before Tuesday 10 November 2026, so it holds the end of summer
time in Paris (Sunday 25 October) and the October/November boundary.

Rounding: the plan joins and leaves on whole minutes, so both sides are sums of whole
minutes and must agree to 1e-9 h (floating-point addition order only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from bus.protocol import ALL_HISTORY
from emulator.simulator.community import CommunitySpec, Stay, personas, plan_day, stays
from services.telemetry.analytics.report import TIMELINE_MEMBERS, GuildReport
from services.telemetry.analytics.sessions import (
    GuildClock,
    GuildDataset,
    Member,
    Roster,
    VoiceSession,
)

TODAY = date(2026, 11, 10)
DAYS = 28  # the demo's month (DemoSettings.days)
SPEC = replace(
    CommunitySpec(members=16, seed=7),  # DemoSettings' members and seed
    drift_from=TODAY - timedelta(days=DAYS // 2),
    showcase=TODAY,
)
ZONE = ZoneInfo(SPEC.timezone)
NOW = datetime.combine(TODAY, time(12), ZONE)
GUILD = 1
TOLERANCE = 1e-9


def planned_stays() -> list[Stay]:
    """The stays of the month's days, played in order."""
    days = [TODAY - timedelta(days=DAYS - offset) for offset in range(DAYS)]
    return stays(action for day in days for action in plan_day(SPEC, day))


def dataset(played: list[Stay]) -> GuildDataset:
    """The plan as the record would hold it: one session per stay."""
    users = {person.name: 100 + index for index, person in enumerate(personas(SPEC))}
    channels = {name: 10 + index for index, name in enumerate(SPEC.voice_channels)}
    sessions = tuple(
        VoiceSession(GUILD, channels[stay.channel], users[stay.member], stay.start, stay.end)
        for stay in played
    )
    roster = Roster.of(Member(user, name) for name, user in users.items())
    return GuildDataset(GuildClock(GUILD, ZONE), roster, sessions)


def hours_between(played: list[Stay], member: str, low: datetime, high: datetime) -> float:
    """The member's planned hours within ``[low, high)``, by timestamps."""
    seconds = 0.0
    for stay in played:
        if stay.member == member:
            start = max(stay.start.timestamp(), low.timestamp())
            end = min(stay.end.timestamp(), high.timestamp())
            seconds += max(0.0, end - start)
    return seconds / 3600


def close(got: Sequence[float | None], want: Sequence[float | None]) -> bool:
    """Equal, ``None`` for ``None``, numbers to ``TOLERANCE``."""
    return len(got) == len(want) and all(
        (a is None and b is None) or (a is not None and b is not None and abs(a - b) < TOLERANCE)
        for a, b in zip(got, want, strict=True)
    )


def test_the_plan_holds_the_corners_the_month_is_chosen_for() -> None:
    """Play on both sides of the DST change and of the month boundary; someone drifts."""
    played = planned_stays()
    change = datetime(2026, 10, 25, 3, tzinfo=ZONE)
    november = datetime(2026, 11, 1, tzinfo=ZONE)
    assert any(stay.end < change for stay in played)
    assert any(stay.start > change for stay in played)
    assert any(stay.end < november for stay in played)
    assert any(stay.start > november for stay in played)
    assert any(person.drifts for person in personas(SPEC))


def test_hours_per_month_are_the_plans() -> None:
    """Each member's bar segment in October and November is the plan's hours that month."""
    played = planned_stays()
    chart = GuildReport(dataset(played), NOW, ALL_HISTORY, monthly_members=SPEC.members).months()
    assert [column.month for column in chart.months] == [date(2026, 10, 1), date(2026, 11, 1)]
    edges = [
        datetime(2026, 10, 1, tzinfo=ZONE),
        datetime(2026, 11, 1, tzinfo=ZONE),
        datetime(2026, 12, 1, tzinfo=ZONE),
    ]
    series = dict(chart.series)
    assert set(series) == {stay.member for stay in played}
    for member, hours in series.items():
        want = [hours_between(played, member, low, high) for low, high in pairwise(edges)]
        assert close(hours, want), member
    assert not any(chart.others)


def test_weekly_time_per_member_is_the_plans() -> None:
    """Each member's row of the weekly timeline is the plan's hours in each rolling local
    week (seven local days, so the week of the DST change lasts 169 hours); weeks that end
    before the first stay are "no data"."""
    played = planned_stays()
    chart = GuildReport(dataset(played), NOW, 84).timeline()
    # Adding days to an aware local time keeps the wall clock: local weeks, not 168 h.
    edges = [NOW - timedelta(days=7 * back) for back in range(12, -1, -1)]
    assert chart.week_starts == tuple(edge.date() for edge in edges[:-1])
    first = min(stay.start for stay in played)
    rows = dict(chart.rows)
    assert len(rows) == min(TIMELINE_MEMBERS, len({stay.member for stay in played}))
    for member, weeks in rows.items():
        want = [
            None if high <= first else hours_between(played, member, low, high)
            for low, high in pairwise(edges)
        ]
        assert close(weeks, want), member

"""The figures each of the seven graphs plots, against a small hand-computed community.

Europe/Paris, as of Thursday 10 April 2025 at noon. The record begins on Thursday 20 February
(a partial first month); Dave plays once and stops; Carol starts mid-March; one session
crosses the March/April boundary at local midnight; Bob plays through the spring-forward
night of 30 March (01:30 to 03:30 on the wall clock is one real hour).

    Alice  Thu 20 Feb 20:00-22:00 (2 h)   Mon 10 Mar 20:00-21:00 (1 h)
           Mon 31 Mar 23:00 - Tue 1 Apr 01:00 (1 h in March, 1 h in April)
    Dave   Thu 20 Feb 21:00 - Fri 21 Feb 01:00 (4 h; 1 h with Alice), never again
    Carol  Sat 15 Mar 20:00-23:00 (3 h)   Sat 5 Apr 20:00-21:30 (1.5 h)
    Bob    Sun 30 Mar 01:30-03:30 wall clock (1 h)
    Erin   never in voice
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bus.protocol import ALL_HISTORY
from services.telemetry.analytics.charts import (
    InactiveChart,
    MonthColumn,
    MonthlyChart,
    NetworkChart,
    TimelineChart,
    VoiceTimeChart,
    WeekdayChart,
)
from services.telemetry.analytics.report import GuildReport
from services.telemetry.analytics.sessions import GuildDataset

from .builders import ALICE, BOB, CAROL, DAVE, PARIS, ROSTER, between, clock, local

NOW = local(PARIS, 2025, 4, 10, 12)
SESSIONS = (
    between(local(PARIS, 2025, 2, 20, 20), local(PARIS, 2025, 2, 20, 22), user=ALICE),
    between(local(PARIS, 2025, 2, 20, 21), local(PARIS, 2025, 2, 21, 1), user=DAVE),
    between(local(PARIS, 2025, 3, 10, 20), local(PARIS, 2025, 3, 10, 21), user=ALICE),
    between(local(PARIS, 2025, 3, 15, 20), local(PARIS, 2025, 3, 15, 23), user=CAROL),
    between(local(PARIS, 2025, 3, 30, 1, 30), local(PARIS, 2025, 3, 30, 3, 30), user=BOB),
    between(local(PARIS, 2025, 3, 31, 23), local(PARIS, 2025, 4, 1, 1), user=ALICE),
    between(local(PARIS, 2025, 4, 5, 20), local(PARIS, 2025, 4, 5, 21, 30), user=CAROL),
)
DATASET = GuildDataset(clock(), ROSTER, SESSIONS, {10: "Raid Room"})


def report(days: int) -> GuildReport:
    """The hand-computed community's report over ``days``."""
    return GuildReport(DATASET, NOW, days, monthly_members=2)


def rounded(values: tuple[float | None, ...]) -> tuple[float | None, ...]:
    """Hours to the minute, so float sums compare exactly."""
    return tuple(None if value is None else round(value, 4) for value in values)


def test_months_are_per_member_stacked_over_all_the_history() -> None:
    """Top two members by total, the others together, from the first record's month on."""
    chart = report(ALL_HISTORY).months()
    assert isinstance(chart, MonthlyChart)
    assert [column.month for column in chart.months] == [
        date(2025, 2, 1),
        date(2025, 3, 1),
        date(2025, 4, 1),
    ]
    series = {name: rounded(hours) for name, hours in chart.series}
    assert list(series) == ["Alice", "Carol"]
    assert series["Alice"] == (2.0, 2.0, 1.0)  # 23:00-01:00 splits at local midnight
    assert series["Carol"] == (0.0, 3.0, 1.5)  # starts mid-March: nothing before
    assert rounded(chart.others) == (4.0, 1.0, 0.0)  # Dave stops; Bob's DST night is 1 h
    assert rounded(chart.totals()) == (6.0, 6.0, 2.5)
    assert chart.members_total == 4


def test_months_mark_the_first_and_current_month_as_partial() -> None:
    """February from the 20th (9 of 28 days) and April to the 10th are partial; March is not."""
    chart = report(ALL_HISTORY).months()
    assert chart.months == (
        MonthColumn(date(2025, 2, 1), 9, 28),
        MonthColumn(date(2025, 3, 1), 31, 31),
        MonthColumn(date(2025, 4, 1), 10, 30),
    )
    assert [column.partial for column in chart.months] == [True, False, True]
    assert "all the history, 20 Feb 2025 to 10 Apr 2025" in chart.header.subtitle


def test_months_of_a_shorter_period_start_partway() -> None:
    """Over the last 30 days, March counts from the 12th and only the hours after it."""
    chart = GuildReport(DATASET, NOW, 30, monthly_members=10).months()
    assert chart.months[0] == MonthColumn(date(2025, 3, 1), 20, 31)
    assert {name: rounded(hours) for name, hours in chart.series} == {
        "Alice": (1.0, 1.0),
        "Carol": (3.0, 1.5),
        "Bob": (1.0, 0.0),
    }
    assert rounded(chart.others) == (0.0, 0.0)


TIMELINE_STARTS = (
    date(2025, 1, 16),
    date(2025, 1, 23),
    date(2025, 1, 30),
    date(2025, 2, 6),
    date(2025, 2, 13),
    date(2025, 2, 20),
    date(2025, 2, 27),
    date(2025, 3, 6),
    date(2025, 3, 13),
    date(2025, 3, 20),
    date(2025, 3, 27),
    date(2025, 4, 3),
)
NO_DATA = (None,) * 5  # the weeks that ended before Thursday 20 February 20:00


def test_timeline_is_weekly_time_per_member_over_twelve_weeks() -> None:
    """Rolling weeks to now, the most present member first; before the record is no data."""
    chart = report(84).timeline()
    assert isinstance(chart, TimelineChart)
    assert chart.week_starts == TIMELINE_STARTS
    assert {name: rounded(hours) for name, hours in chart.rows} == {
        "Alice": (*NO_DATA, 2.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0),
        "Carol": (*NO_DATA, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 1.5),
        "Dave": (*NO_DATA, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        "Bob": (*NO_DATA, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    }
    assert [name for name, _ in chart.rows] == ["Alice", "Carol", "Dave", "Bob"]
    assert chart.members_total == 4


def test_timeline_week_across_the_dst_change_counts_real_hours() -> None:
    """The week of 27 March holds the spring-forward night: Bob's 2 wall-clock hours are 1."""
    chart = report(14).timeline()
    assert chart.week_starts == (date(2025, 3, 27), date(2025, 4, 3))
    assert dict(chart.rows)["Bob"] == (1.0, 0.0)


def test_inactive_counts_community_days_and_blanks_weeks_before_the_record() -> None:
    """Never seen first, then the longest silent; days are community days; no data is None."""
    chart = report(84).inactive()
    assert isinstance(chart, InactiveChart)
    rows = [(row.name, row.days_since_seen) for row in chart.rows]
    assert rows == [("Erin", None), ("Dave", 48), ("Bob", 11), ("Alice", 9), ("Carol", 5)]
    dave = chart.rows[1]
    assert rounded(dave.weekly_hours) == (*NO_DATA, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert len(chart.week_labels) == 12


@pytest.mark.parametrize(
    ("end", "days"),
    [
        (local(PARIS, 2025, 4, 10, 8), 0),  # this morning
        (local(PARIS, 2025, 4, 9, 23), 1),  # last night, 13 hours ago: not "today"
        (local(PARIS, 2025, 4, 8, 13), 2),
    ],
)
def test_seen_today_means_the_communitys_today(end: datetime, days: int) -> None:
    """Last seen is counted in community days, not in 24-hour spans."""
    dataset = GuildDataset(clock(), ROSTER, (between(end - timedelta(hours=1), end, user=BOB),))
    chart = GuildReport(dataset, NOW, 28).inactive()
    assert dict((row.name, row.days_since_seen) for row in chart.rows)["Bob"] == days


def test_day_of_week_per_member_and_by_hour() -> None:
    """Hours per member and local weekday; the hour columns keep only the hours with play."""
    chart = report(91).weekdays()
    assert isinstance(chart, WeekdayChart)
    members = {name: rounded(hours) for name, hours in chart.members}
    #                      Mon  Tue  Wed  Thu  Fri  Sat  Sun
    assert members == {
        "Alice": (2.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0),
        "Carol": (0.0, 0.0, 0.0, 0.0, 0.0, 4.5, 0.0),
        "Dave": (0.0, 0.0, 0.0, 3.0, 1.0, 0.0, 0.0),
        "Bob": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    }
    # 04:00 to 18:00 never holds play; the run wraps past midnight, 02:00 (skipped by the
    # clock on 30 March) stays inside it.
    assert chart.shown_hours == (20, 21, 22, 23, 0, 1, 2, 3)
    sunday = dict(zip(chart.shown_hours, chart.hours[6], strict=True))
    assert (sunday[1], sunday[2], sunday[3]) == (0.5, 0.0, 0.5)
    thursday = dict(zip(chart.shown_hours, chart.hours[3], strict=True))
    assert (thursday[20], thursday[21], thursday[23]) == (1.0, 2.0, 1.0)
    # Per-day averages count only the days since the record began: eight Thursdays from
    # 20 February to 10 April, not the thirteen of the 91 days.
    assert round(chart.averages[3], 4) == 5.0 / 8


def test_voice_time_duos_and_network_over_all_the_history() -> None:
    """Alice and Dave shared one hour; the rest of their time they were alone."""
    whole = report(ALL_HISTORY)
    voice = whole.voice_time()
    assert isinstance(voice, VoiceTimeChart)
    assert [(name, round(a, 4), round(b, 4)) for name, a, b in voice.rows] == [
        ("Alice", 1.0, 4.0),
        ("Carol", 0.0, 4.5),
        ("Dave", 1.0, 3.0),
        ("Bob", 0.0, 1.0),
    ]
    assert [(a, b, round(h, 4)) for a, b, h in whole.duos().pairs] == [("Alice", "Dave", 1.0)]
    network = whole.network()
    assert isinstance(network, NetworkChart)
    assert [(a, b, round(h, 4)) for a, b, h in network.edges] == [(ALICE, DAVE, 1.0)]
    assert {node.name: round(node.voice_hours, 4) for node in network.nodes} == {
        "Alice": 5.0,
        "Carol": 4.5,
        "Dave": 4.0,
        "Bob": 1.0,
    }


def test_network_and_duos_default_to_the_last_thirty_days() -> None:
    """Over their default period, Dave (who stopped) and the February duo are gone."""
    last_month = report(30)
    assert last_month.duos().pairs == ()
    assert {node.user_id for node in last_month.network().nodes} == {ALICE, BOB, CAROL}

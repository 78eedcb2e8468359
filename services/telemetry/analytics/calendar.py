"""When the community plays: activity by local weekday and hour, and hours per local month,
for the community and per member.

All count *member-hours*: two members in a call for an hour are two hours. Input is the
per-member presence from ``presence_by_user`` (no AFK channel, no bots, each instant of a member
once). Sessions are cut at local hour, day and month boundaries, so a session from Sunday 23:30
to Monday 00:30 gives half an hour to each day, and one across midnight on the last day of a
month gives to both months.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from services.telemetry.analytics.buckets import (
    hours_per_bucket,
    local_days,
    local_hours,
    local_months,
    split,
)
from services.telemetry.analytics.presence import Interval
from services.telemetry.analytics.sessions import GuildClock, Period

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class WeekdayActivity:
    """Member-hours per local weekday (Monday first) and hour of day."""

    hours: tuple[tuple[float, ...], ...]
    """``hours[weekday][hour]``; a repeated fall-back hour adds to the same cell."""
    days: tuple[int, ...]
    """How many local days of each weekday the period touches, to turn totals into averages."""

    @property
    def totals(self) -> tuple[float, ...]:
        """Member-hours per weekday."""
        return tuple(sum(row) for row in self.hours)

    @property
    def averages(self) -> tuple[float, ...]:
        """Member-hours per day, for each weekday (0 for a weekday the period lacks)."""
        return tuple(
            total / days if days else 0.0
            for total, days in zip(self.totals, self.days, strict=True)
        )


def _all_spans(spans: Mapping[int, list[Interval]]) -> Iterable[Interval]:
    return (interval for intervals in spans.values() for interval in intervals)


def weekday_activity(
    spans: Mapping[int, list[Interval]], clock: GuildClock, period: Period
) -> WeekdayActivity:
    """Member-hours by local weekday and hour of day; ``spans`` must lie within the period."""
    low, high = period.bounds
    grid = [[0.0] * 24 for _ in range(7)]
    if high > low:
        hours = local_hours(clock.tz, low, high)
        for index, seconds in split(_all_spans(spans), hours):
            start = hours.starts[index]
            grid[start.weekday()][start.hour] += seconds / 3600
    days = [0] * 7
    if high > low:
        calendar_days = local_days(clock.tz, low, high)
        for index, start in enumerate(calendar_days.starts):
            if calendar_days.edges[index] < high and calendar_days.edges[index + 1] > low:
                days[start.weekday()] += 1
    return WeekdayActivity(tuple(tuple(row) for row in grid), tuple(days))


@dataclass(frozen=True, slots=True)
class MonthHours:
    """Member-hours in one local calendar month."""

    month: date
    """The first day of the month."""
    hours: float


def monthly_hours(
    spans: Mapping[int, list[Interval]], clock: GuildClock, period: Period
) -> tuple[MonthHours, ...]:
    """Member-hours per local month the period touches (empty ones too); ``spans`` within it."""
    low, high = period.bounds
    if high <= low:
        return ()
    months = local_months(clock.tz, low, high)
    totals = [0.0] * len(months)
    for index, seconds in split(_all_spans(spans), months):
        totals[index] += seconds / 3600
    return tuple(
        MonthHours(months.starts[index].date(), totals[index])
        for index in range(len(months))
        if months.edges[index] < high
    )


@dataclass(frozen=True, slots=True)
class MemberMonths:
    """Hours in voice per member per local month."""

    months: tuple[date, ...]
    """The first day of each local month the period touches, oldest first."""
    hours: dict[int, tuple[float, ...]]
    """user id -> hours in each of ``months``; only members with time in the period."""


def member_monthly_hours(
    spans: Mapping[int, list[Interval]], clock: GuildClock, period: Period
) -> MemberMonths:
    """Each member's hours per local month the period touches; ``spans`` within it."""
    low, high = period.bounds
    if high <= low:
        return MemberMonths((), {})
    months = local_months(clock.tz, low, high)
    count = sum(1 for edge in months.edges[:-1] if edge < high)
    hours = {
        user: tuple(hours_per_bucket(intervals, months)[:count])
        for user, intervals in spans.items()
        if intervals
    }
    return MemberMonths(tuple(start.date() for start in months.starts[:count]), hours)


def member_weekday_hours(
    spans: Mapping[int, list[Interval]], clock: GuildClock, period: Period
) -> dict[int, tuple[float, ...]]:
    """user id -> hours per local weekday (Monday first); ``spans`` within the period."""
    low, high = period.bounds
    if high <= low:
        return {}
    days = local_days(clock.tz, low, high)
    weekday_of = [start.weekday() for start in days.starts]
    out: dict[int, tuple[float, ...]] = {}
    for user, intervals in spans.items():
        row = [0.0] * 7
        for index, hours in enumerate(hours_per_bucket(intervals, days)):
            row[weekday_of[index]] += hours
        if any(row):
            out[user] = tuple(row)
    return out


def hours_with_play(hours: tuple[tuple[float, ...], ...]) -> tuple[int, ...]:
    """The local hours worth a column: the shortest run of hours, wrapping past midnight,
    that holds every hour with any play (every hour when there is none).

    A community plays in an evening window; the other hours would be empty columns that
    squeeze the ones that matter. The run may wrap (18:00 to 02:00), as play windows do.
    """
    played = [any(row[hour] > 0 for row in hours) for hour in range(24)]
    if not any(played):
        return tuple(range(24))
    # The longest run of empty hours, going round the clock, is what is left out.
    best_start, best_length = 0, 0
    for start in range(24):
        if played[start] or not played[start - 1]:
            continue
        length = 0
        while length < 24 and not played[(start + length) % 24]:
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    first = (best_start + best_length) % 24
    return tuple((first + offset) % 24 for offset in range(24 - best_length))

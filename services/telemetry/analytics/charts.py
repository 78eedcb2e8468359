"""The seven graphs: their names and the ready-to-draw data each renderer takes.

Chart data holds display strings and plain numbers only, so it pickles cheaply to the render
worker and a renderer never needs the roster or the timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bus.protocol import GRAPH_DEFAULT_DAYS, GRAPH_TITLES


class GraphKind(StrEnum):
    """A graph the bot can draw; the value is its name in ``/stats`` and in file names.

    The values are ``bus.protocol.GraphName``'s (a test holds the two equal); titles and
    default periods live beside that name, shared with the dashboard.
    """

    NETWORK = "community"
    DUOS = "duos"
    VOICE_TIME = "voice-time"
    INACTIVE = "inactive"
    WEEKDAYS = "weekdays"
    MONTHS = "months"
    TIMELINE = "timeline"
    WEEK = "week"

    @property
    def label(self) -> str:
        """The graph's name for people (``/stats`` choices, captions, the dashboard)."""
        return GRAPH_TITLES[self.value]

    @property
    def default_days(self) -> int:
        """The period drawn when none is asked for (``ALL_HISTORY`` for everything)."""
        return GRAPH_DEFAULT_DAYS[self.value]


@dataclass(frozen=True, slots=True)
class Header:
    """Title and subtitle (period, timezone) drawn on top of every graph."""

    title: str
    subtitle: str


@dataclass(frozen=True, slots=True)
class NetworkNode:
    """A member in the network: name and hours in voice (the node's size)."""

    user_id: int
    name: str
    voice_hours: float


@dataclass(frozen=True, slots=True)
class NetworkChart:
    """Members and the hours each pair shared."""

    kind: ClassVar[GraphKind] = GraphKind.NETWORK
    header: Header
    nodes: tuple[NetworkNode, ...]
    edges: tuple[tuple[int, int, float], ...]
    """``(user_a, user_b, shared hours)``."""


@dataclass(frozen=True, slots=True)
class DuoChart:
    """The pairs who played together the most."""

    kind: ClassVar[GraphKind] = GraphKind.DUOS
    header: Header
    pairs: tuple[tuple[str, str, float], ...]
    """``(name, name, shared hours)``, most first."""


@dataclass(frozen=True, slots=True)
class VoiceTimeChart:
    """Members with the most time in voice, split into with others and alone."""

    kind: ClassVar[GraphKind] = GraphKind.VOICE_TIME
    header: Header
    rows: tuple[tuple[str, float, float], ...]
    """``(name, hours with others, hours alone)``, most total first."""


@dataclass(frozen=True, slots=True)
class InactiveRow:
    """One member on the inactivity chart."""

    name: str
    days_since_seen: int | None
    """Community days since their last day in voice (0: today), ``None`` if never seen."""
    weekly_hours: tuple[float | None, ...]
    """Hours per week; ``None`` for a week that ended before recording began (no data)."""


@dataclass(frozen=True, slots=True)
class InactiveChart:
    """The most inactive members, with their hours in each recent week."""

    kind: ClassVar[GraphKind] = GraphKind.INACTIVE
    header: Header
    week_labels: tuple[str, ...]
    rows: tuple[InactiveRow, ...]


@dataclass(frozen=True, slots=True)
class WeekdayChart:
    """Which weekday each member plays on, and when in the week the community plays."""

    kind: ClassVar[GraphKind] = GraphKind.WEEKDAYS
    header: Header
    members: tuple[tuple[str, tuple[float, ...]], ...]
    """``(name, hours per weekday Monday first)``, the most present members first."""
    shown_hours: tuple[int, ...]
    """The local hours of the heat map's columns, in order (they may wrap past midnight):
    only the hours that hold any play, so the map is not mostly empty columns."""
    hours: tuple[tuple[float, ...], ...]
    """``hours[weekday][column]``: member-hours of that weekday in ``shown_hours[column]``."""
    averages: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class MonthColumn:
    """One local calendar month on the monthly chart.

    ``days_covered`` of its ``days_total`` local days lie within the period: fewer in the month
    recording began and in the current month, which are then drawn as partial.
    """

    month: date
    """The first day of the month."""
    days_covered: int
    days_total: int

    @property
    def partial(self) -> bool:
        """Whether part of the month lies outside the period (its bar is not a whole month)."""
        return self.days_covered < self.days_total


@dataclass(frozen=True, slots=True)
class MonthlyChart:
    """Hours in voice per member per local month, stacked: top members, then the others."""

    kind: ClassVar[GraphKind] = GraphKind.MONTHS
    header: Header
    months: tuple[MonthColumn, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    """``(name, hours per month)`` of the top members, most hours first."""
    others: tuple[float, ...]
    """Hours per month of every member not in ``series``, together."""
    members_total: int
    """How many members had time in voice in the period."""

    def totals(self) -> tuple[float, ...]:
        """Member-hours per month, everyone together."""
        rows = [hours for _, hours in self.series] + [self.others]
        return tuple(sum(column) for column in zip(*rows, strict=True))


@dataclass(frozen=True, slots=True)
class TimelineChart:
    """Each member's time in voice week by week: who is getting more or less active."""

    kind: ClassVar[GraphKind] = GraphKind.TIMELINE
    header: Header
    week_starts: tuple[date, ...]
    """The local first day of each rolling week, oldest first; the last one ends now."""
    rows: tuple[tuple[str, tuple[float | None, ...]], ...]
    """``(name, hours per week)``, most hours first; ``None`` for a week that ended before
    recording began (no data, not zero)."""
    members_total: int
    """How many members had time in voice in the period."""


@dataclass(frozen=True, slots=True)
class TimelineBar:
    """One bar of a member's week: day 0 is Monday, hours are local wall time."""

    day: int
    start_hour: float
    end_hour: float
    channel: str


@dataclass(frozen=True, slots=True)
class WeekChart:
    """One member's local week in voice, hour by hour."""

    kind: ClassVar[GraphKind] = GraphKind.WEEK
    header: Header
    monday: date
    bars: tuple[TimelineBar, ...]
    total_hours: float


type Chart = (
    NetworkChart
    | DuoChart
    | VoiceTimeChart
    | InactiveChart
    | WeekdayChart
    | MonthlyChart
    | TimelineChart
    | WeekChart
)

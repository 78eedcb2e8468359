"""The graphs: their names, the one table of what each is, and the ready-to-draw data each
renderer takes.

Chart data holds display strings and plain numbers only, so it pickles cheaply to the render
worker and a renderer never needs the roster or the timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from bus.protocol import ALL_HISTORY


class GraphKind(StrEnum):
    """A graph the bot can draw; the value is its name in ``/stats``, on the dashboard, on the
    bus (``GetGraph.graph``) and in file names. Everything else about it is its row in
    ``GRAPHS``."""

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
        return GRAPHS[self].title

    @property
    def default_days(self) -> int:
        """The period drawn when none is asked for (``ALL_HISTORY`` for everything)."""
        return GRAPHS[self].default_days


type Scope = Literal["members", "community", "member"]
"""Whose hours a graph shows: ``members``, the community member by member (a row, bar or
node titled with each member's own hours); ``community``, the community as a whole or by
pairs (no member's own total); ``member``, one member's, who must be named (drawn per member
by exports, never among the guild's graphs)."""


@dataclass(frozen=True, slots=True)
class Graph:
    """One row of ``GRAPHS``: what a graph is called, what it covers and how it is drawn."""

    title: str
    """Its name for people in ``/stats``, on the dashboard and in the admin CLI."""
    default_days: int
    """Its period when none is asked for, or ``ALL_HISTORY``."""
    drawer: str
    """``module.function`` under ``analytics.render`` that draws its chart on a ``Sheet``:
    named, not imported, so that this table stays free of matplotlib (see ``render``)."""
    scope: Scope = "members"
    height_inches: float = 6.5
    """Its height; every graph has the same width (``render.sizes``)."""


GRAPHS: dict[GraphKind, Graph] = {
    GraphKind.NETWORK: Graph("Community network", 30, "network.draw_network"),
    GraphKind.DUOS: Graph("Duo time", 30, "bars.draw_duos", scope="community", height_inches=5.0),
    GraphKind.VOICE_TIME: Graph("Time in voice", 30, "bars.draw_voice_time"),
    GraphKind.INACTIVE: Graph("Inactive members", 84, "inactive.draw_inactive"),
    GraphKind.WEEKDAYS: Graph("Day of week", 91, "weekdays.draw_weekdays", height_inches=8.5),
    GraphKind.MONTHS: Graph("Hours per month", ALL_HISTORY, "bars.draw_months", height_inches=6.0),
    GraphKind.TIMELINE: Graph("Weekly timeline", 84, "timeline.draw_timeline", height_inches=7.5),
    GraphKind.WEEK: Graph(
        "A member's week", 7, "week.draw_week", scope="member", height_inches=5.0
    ),
}
"""Every graph, one row each: the one place a graph's title, default period, scope, drawer
and height are spelled, shared by ``/stats``, the dashboard, exports and the admin CLI.

Default periods are fitted to each graph's question: who plays with whom is this month's
story, drift needs months (all the history), a trend needs twelve weeks, a day-of-week habit
thirteen of each weekday; ``week`` always draws the current local week. Heights are tall
enough for one readable row per member at the smallest font: the graphs with up to 25 or 30
rows (time in voice, inactive, timeline, day of week's two panels) are taller than wide,
which is also how a phone holds them."""


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

"""The seven graphs: their names and the ready-to-draw data each renderer takes.

Chart data holds display strings and plain numbers only, so it pickles cheaply to the render
worker and a renderer never needs the roster or the timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar


class GraphKind(StrEnum):
    """A graph the bot can draw; the value is its name in ``/stats`` and in file names."""

    NETWORK = "community"
    DUOS = "duos"
    VOICE_TIME = "voice-time"
    INACTIVE = "inactive"
    WEEKDAYS = "weekdays"
    MONTHS = "months"
    TIMELINE = "timeline"


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
    days_since_seen: float | None
    weekly_hours: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class InactiveChart:
    """The most inactive members, with their hours in each recent week."""

    kind: ClassVar[GraphKind] = GraphKind.INACTIVE
    header: Header
    week_labels: tuple[str, ...]
    rows: tuple[InactiveRow, ...]


@dataclass(frozen=True, slots=True)
class WeekdayChart:
    """Member-hours by local weekday and hour, with averages per weekday."""

    kind: ClassVar[GraphKind] = GraphKind.WEEKDAYS
    header: Header
    hours: tuple[tuple[float, ...], ...]
    averages: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class MonthlyChart:
    """Member-hours per local month."""

    kind: ClassVar[GraphKind] = GraphKind.MONTHS
    header: Header
    months: tuple[tuple[date, float], ...]


@dataclass(frozen=True, slots=True)
class TimelineBar:
    """One bar of the weekly timeline: day 0 is Monday, hours are local wall time."""

    day: int
    start_hour: float
    end_hour: float
    channel: str


@dataclass(frozen=True, slots=True)
class TimelineChart:
    """One member's local week in voice."""

    kind: ClassVar[GraphKind] = GraphKind.TIMELINE
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
)

"""The week ahead as a heatmap: who is in each hour of the next 7 days, on the reader's clock.

Pure time maths with the instant passed in. The community's window hours are the cells:
each community day's window (``services.runtime.playtime.window_of``) read on the reader's
clock, so a window from 18:00 in Paris shows from 09:00 for a reader in Los Angeles, and
its hours after midnight land on the reader's date they fall on. The 7 columns are the
reader's own dates from today; an hour already over is left out.

Who is in an hour:

- **today's posted day**: the board, as the daily message lists it (clicks, live voice,
  usual hours not taken back), so the heatmap and Discord agree;
- **every other day**: each member's usual hours for that community day, on their own clock
  (``playtime.usual_hours``): nothing else is known of a day before it is posted.

Maybes and absences are not said yet: ``Cell.maybe`` is empty, and ``away`` (a member and
a community date) is where an absence will take usual hours back. Both are hooks for the
answers members will give, so that the page's markup need not change when they come.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bus.protocol import BoardReply, GuildConfig, MemberSchedule
from services.runtime.playtime import How, community_date, usual_hours, window_of, zone

DAYS = 7
HOUR = 3600.0
LEVELS = 4
"""Shades of the heatmap beyond "nobody": a cell's share of the busiest hour, in quarters."""


@dataclass(frozen=True, slots=True)
class Player:
    """Someone in an hour, and how (the daily message's mark)."""

    user_id: int
    name: str
    how: How = How.SCHEDULED


@dataclass(frozen=True, slots=True)
class Cell:
    """One window hour as the reader sees it."""

    start: float
    players: tuple[Player, ...] = ()
    maybe: tuple[Player, ...] = ()  # "maybe" answers: none can be given yet
    level: int = 0  # 0 nobody, 1..LEVELS the share of the busiest hour
    mine: bool = False  # the reader is in

    @property
    def count(self) -> int:
        return len(self.players)

    @property
    def maybe_count(self) -> int:
        return len(self.maybe)


@dataclass(frozen=True, slots=True)
class Row:
    """One hour of the reader's clock ("09:00"), with a cell (or None) per column's date."""

    label: str
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True, slots=True)
class WeekAhead:
    """The heatmap: the reader's dates (columns), their hours (rows), and its clock."""

    zone: str
    dates: tuple[date, ...]
    rows: tuple[Row, ...] = ()
    busiest: int = 0
    by_date: Mapping[date, tuple[tuple[str, Cell], ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.busiest == 0


type Away = Callable[[int, date], bool]


def never_away(user_id: int, day: date) -> bool:
    """Nobody is away yet: absences cannot be said yet."""
    return False


def week_ahead(
    config: GuildConfig,
    schedules: Iterable[MemberSchedule],
    board: BoardReply,
    names: Mapping[int, str],
    reader: int,
    reader_zone: str,
    now: float,
    away: Away = never_away,
) -> WeekAhead:
    """The next ``DAYS`` of the reader's dates from ``now``, each window hour not yet over,
    with who is in it. Only members in ``names`` (the guild's, bots left out) are shown."""
    tz = zone(reader_zone)
    first = datetime.fromtimestamp(now, tz).date()
    dates = tuple(first + timedelta(days=n) for n in range(DAYS))
    wanted = set(dates)
    usual = [s for s in schedules if s.user_id in names]
    found: dict[tuple[date, str], list[Player]] = {}
    starts: dict[tuple[date, str], float] = {}
    for start, players in _hours(config, usual, board, names, now, away):
        local = datetime.fromtimestamp(start, tz)
        if local.date() not in wanted or start + HOUR <= now:
            continue
        key = (local.date(), f"{local:%H:%M}")
        found[key] = players
        starts[key] = start
    busiest = max((len(p) for p in found.values()), default=0)
    cells = {
        key: Cell(
            start=starts[key],
            players=tuple(players),
            level=_level(len(players), busiest),
            mine=any(p.user_id == reader for p in players),
        )
        for key, players in found.items()
    }
    labels = sorted({label for _, label in cells})
    rows = tuple(Row(label, tuple(cells.get((d, label)) for d in dates)) for label in labels)
    by_date = {
        d: tuple((label, cells[(d, label)]) for label in labels if (d, label) in cells)
        for d in dates
    }
    return WeekAhead(reader_zone, dates, rows, busiest, by_date)


def _hours(
    config: GuildConfig,
    usual: Sequence[MemberSchedule],
    board: BoardReply,
    names: Mapping[int, str],
    now: float,
    away: Away,
) -> Iterable[tuple[float, list[Player]]]:
    """Each window hour of the community days around the next week, and who is in it."""
    today = community_date(now, zone(config.timezone))
    for offset in range(-1, DAYS + 1):
        day = today + timedelta(days=offset)
        if board.date == day.isoformat() and board.hours:
            for posted in board.hours:
                shown = [p for p in posted.players if p.user_id in names]
                yield posted.start, [Player(p.user_id, names[p.user_id], How(p.how)) for p in shown]
            continue
        window = window_of(day, config)
        held = {s.user_id: usual_hours(s, day, window) for s in usual if not away(s.user_id, day)}
        for hour in window:
            users = sorted(
                (u for u, hours in held.items() if hour.hour in hours),
                key=lambda u: names[u].casefold(),
            )
            yield hour.start, [Player(u, names[u]) for u in users]


def _by_name(names: Mapping[int, str]) -> Callable[[int], str]:
    return lambda user_id: names[user_id].casefold()


def _level(count: int, busiest: int) -> int:
    """How dark a cell is: 0 for nobody, else its share of the busiest hour in quarters
    (at least 1, so that one player is never drawn as nobody)."""
    if not count or not busiest:
        return 0
    return max(1, round(LEVELS * count / busiest))


def zone_of(reader_zone: str, community: str) -> str:
    """The clock the reader reads on: their own saved zone, else the community's."""
    return reader_zone or community

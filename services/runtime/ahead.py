"""The week ahead: who is in each hour of the next 7 days, on the reader's clock.

Pure time maths with the instant passed in; the dashboard's heatmap, ``/week`` and the
weekly post all count with it, so the three always agree. The community's window hours are
the cells: each community day's window (``services.runtime.playtime.window_of``) read on the
reader's clock, so a window from 18:00 in Paris shows from 09:00 for a reader in Los
Angeles, and its hours after midnight land on the reader's date they fall on. The 7 columns
are the reader's own dates from today; an hour already over is left out.

Who is in an hour:

- **today's posted day**: the board, as the daily message lists it (clicks, live voice,
  usual hours not taken back, absences applied by the scheduler), so the week ahead and
  Discord agree; its maybes are ``Cell.maybe``, shown apart and never counted as in;
- **every other day**: what each *source* says of that community day's window. Usual
  hours are the first source (``usual_source``: each member's usual hours on their own
  clock, ``playtime.usual_hours``, less the hours they are ``away``, by
  ``playtime.away_at``, the rule the daily message follows); the hours members planned for
  a date (``plan_source``: ``/plan``, marked as a click, away or not, as the daily message
  will list them) are the second; any other way of answering ahead of a day is one more
  ``Source`` passed beside them.
  A member said in by two sources is in once, by the strongest ``How``; one who said only
  maybe is in ``Cell.maybe``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bus.protocol import Absence, BoardReply, GuildConfig, MemberSchedule, Plan
from services.runtime.playtime import (
    MAYBE,
    STRENGTH,
    How,
    WindowHour,
    away_at,
    community_date,
    usual_hours,
    window_of,
    zone,
)

DAYS = 7
HOUR = 3600.0
LEVELS = 4
"""Shades of the dashboard's heatmap beyond "nobody": a cell's share of the busiest hour,
in quarters."""


@dataclass(frozen=True, slots=True)
class Player:
    """Someone in an hour, and how (the daily message's mark: a ``How``, or ``MAYBE``)."""

    user_id: int
    name: str
    how: str = How.SCHEDULED


@dataclass(frozen=True, slots=True)
class Cell:
    """One window hour as the reader sees it."""

    start: float
    players: tuple[Player, ...] = ()
    maybe: tuple[Player, ...] = ()  # said "maybe" and not in: apart, never counted
    level: int = 0  # 0 nobody, 1..LEVELS the share of the busiest hour
    mine: bool = False  # the reader is in

    @property
    def count(self) -> int:
        return len(self.players)

    @property
    def maybe_count(self) -> int:
        return len(self.maybe)

    @property
    def said(self) -> bool:
        """Someone is in or said maybe: the hour is listed."""
        return bool(self.players or self.maybe)


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


type Away = Callable[[int, float], bool]
"""Whether a member is away in the window hour starting at an instant."""


def never_away(user_id: int, at: float) -> bool:
    """Nobody is away (no absence known)."""
    return False


def away_by(absences: Iterable[Absence]) -> Away:
    """The away check of ``absences`` (the guild's standing ones), by the rule of
    ``playtime.away_at``: an hour is away when it starts on one of an absence's dates."""
    by_user: dict[int, list[Absence]] = {}
    for absence in absences:
        by_user.setdefault(absence.user_id, []).append(absence)
    return lambda user_id, at: away_at(by_user.get(user_id, ()), at)


@dataclass(frozen=True, slots=True)
class Said:
    """One member's answer for one window hour of a day not posted yet: in (a ``How``) or
    ``MAYBE``."""

    user_id: int
    start: float  # the window hour's first instant
    how: str = How.SCHEDULED


type Source = Callable[[date, Sequence[WindowHour]], Iterable[Said]]
"""What one way of answering ahead says of community day ``date`` (its window given)."""


def usual_source(schedules: Iterable[MemberSchedule], away: Away = never_away) -> Source:
    """Members' usual hours, each on its own clock, less the hours they are ``away``."""
    kept = list(schedules)

    def said(day: date, window: Sequence[WindowHour]) -> Iterable[Said]:
        for schedule in kept:
            held = usual_hours(schedule, day, window)
            for hour in window:
                if hour.hour in held and not away(schedule.user_id, hour.start):
                    yield Said(schedule.user_id, hour.start)

    return said


def plan_source(plans: Iterable[Plan]) -> Source:
    """Hours members planned for a date, as clicks: a plan was said for that very day, so an
    absence does not silence it (the daily message lists it the same way)."""
    planned: dict[tuple[str, int], list[int]] = {}
    for plan in plans:
        if not plan.cancelled:
            planned.setdefault((plan.day, plan.hour), []).append(plan.user_id)

    def said(day: date, window: Sequence[WindowHour]) -> Iterable[Said]:
        for hour in window:
            for user_id in planned.get((day.isoformat(), hour.hour), ()):
                yield Said(user_id, hour.start, How.REACTED)

    return said


def week_ahead(
    config: GuildConfig,
    schedules: Iterable[MemberSchedule],
    board: BoardReply,
    names: Mapping[int, str],
    reader: int,
    reader_zone: str,
    now: float,
    away: Away = never_away,
    more: Sequence[Source] = (),
) -> WeekAhead:
    """The next ``DAYS`` of the reader's dates from ``now``, each window hour not yet over,
    with who is in it: usual hours (less ``away``), ``more`` sources, and today's ``board``.
    Only members in ``names`` (the guild's, bots left out) are shown."""
    tz = zone(reader_zone)
    first = datetime.fromtimestamp(now, tz).date()
    dates = tuple(first + timedelta(days=n) for n in range(DAYS))
    wanted = set(dates)
    sources = [usual_source((s for s in schedules if s.user_id in names), away), *more]
    found: dict[tuple[date, str], Cell] = {}
    for cell in _hours(config, sources, board, names, now):
        local = datetime.fromtimestamp(cell.start, tz)
        if local.date() not in wanted or cell.start + HOUR <= now:
            continue
        found[(local.date(), f"{local:%H:%M}")] = cell
    busiest = max((cell.count for cell in found.values()), default=0)
    cells = {
        key: replace(
            cell,
            level=_level(cell.count, busiest),
            mine=any(p.user_id == reader for p in cell.players),
        )
        for key, cell in found.items()
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
    sources: Sequence[Source],
    board: BoardReply,
    names: Mapping[int, str],
    now: float,
) -> Iterable[Cell]:
    """Each window hour of the community days around the next week, who is in it and who
    said maybe."""
    today = community_date(now, zone(config.timezone))
    for offset in range(-1, DAYS + 1):
        day = today + timedelta(days=offset)
        if board.date == day.isoformat() and board.hours:
            yield from _posted(board, names)
            continue
        window = window_of(day, config)
        said = [a for source in sources for a in source(day, window) if a.user_id in names]
        for hour in window:
            yield _cell(hour.start, [a for a in said if a.start == hour.start], names)


def _posted(board: BoardReply, names: Mapping[int, str]) -> Iterable[Cell]:
    """The posted day's hours, as the daily message lists them."""
    for posted in board.hours:
        shown = [p for p in posted.players if p.user_id in names]
        unsure = [p for p in posted.maybes if p.user_id in names]
        yield Cell(
            start=posted.start,
            players=tuple(Player(p.user_id, names[p.user_id], How(p.how)) for p in shown),
            maybe=tuple(Player(p.user_id, names[p.user_id], MAYBE) for p in unsure),
        )


def _cell(start: float, said: Sequence[Said], names: Mapping[int, str]) -> Cell:
    """One hour from every source's answers: in by the strongest way, else maybe."""
    ways: dict[int, How] = {}
    unsure: set[int] = set()
    for answer in said:
        if answer.how == MAYBE:
            unsure.add(answer.user_id)
            continue
        how = How(answer.how)
        known = ways.get(answer.user_id)
        if known is None or STRENGTH.index(how) < STRENGTH.index(known):
            ways[answer.user_id] = how
    by_name = _by_name(names)
    # As the daily message lists an hour: the surest first (a click before a usual hour).
    surest = sorted(ways, key=lambda u: (STRENGTH.index(ways[u]), by_name(u)))
    return Cell(
        start=start,
        players=tuple(Player(u, names[u], ways[u]) for u in surest),
        maybe=tuple(Player(u, names[u], MAYBE) for u in sorted(unsure - set(ways), key=by_name)),
    )


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

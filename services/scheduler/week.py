"""A member's week on their own clock: the hours the editor offers on each of their weekdays,
and the next 14 days as they will play them. Pure time maths; every function takes the
instant it reasons about.

A clock is a zone name, or "" for the community's time (see ``services.runtime.playtime``
for what a schedule on each means). The hours offered are the window hours of the coming
week as they fall on that clock: a window from 18:00 in New York is 15:00 in Los Angeles the
same day, and 00:00 the next day in Paris. When the two zones change to or from daylight
saving on different dates, the same local hour lands on another community hour for a few
weeks, or outside the window: the preview says so, day by day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bus.protocol import Absence, GuildConfig, MemberSchedule, Plan
from services.runtime import playtime
from services.runtime.playtime import AWAY_MARK, MARKS, How, local_wall, zone
from services.scheduler.slots import community_date, day_slots, window_hours

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PREVIEW_DAYS = 14
AWAY = f"{AWAY_MARK} away, usual hours not counted"
PLANNED = f"{MARKS[How.REACTED]} planned"
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Offer:
    """One hour the editor offers on a weekday: its hour (what is saved) and how it reads."""

    hour: int
    label: str  # "21:00"; "06:30" in a zone half an hour off the community's


def coming_days(at: float, config: GuildConfig, count: int = 7) -> list[date]:
    """``count`` community days from the one holding ``at``."""
    today = community_date(at, config)
    return [today + timedelta(days=n) for n in range(count)]


def offers(config: GuildConfig, clock: str, at: float) -> dict[int, list[Offer]]:
    """The hours of each weekday (0 Monday) on ``clock`` that the coming week's windows hold,
    in the order of that weekday's hours. A weekday may have none."""
    if not clock:
        hours = [Offer(hour, f"{hour:02d}:00") for hour in window_hours(config)]
        return dict.fromkeys(range(7), hours)
    tz = zone(clock)
    found: dict[int, dict[int, Offer]] = {day: {} for day in range(7)}
    for day in coming_days(at, config):
        for slot in day_slots(day, config):
            local = datetime.fromtimestamp(slot.start, tz)
            if not local.fold:
                found[local.weekday()].setdefault(local.hour, Offer(local.hour, f"{local:%H:%M}"))
    return {day: [hours[h] for h in sorted(hours)] for day, hours in found.items()}


def on_clock(
    schedule: MemberSchedule, clock: str, config: GuildConfig, at: float
) -> MemberSchedule:
    """``schedule`` on ``clock``: itself when it is on it already, else the same window hours
    of the coming week read on ``clock`` (hours outside the window do not carry over)."""
    if schedule.zone == clock:
        return schedule
    return playtime.convert(schedule, clock, coming_days(at, config), config)


def clock_name(clock: str, config: GuildConfig) -> str:
    """How a clock is named to the member."""
    return f"your time, {clock}" if clock else f"the community's time, {config.timezone}"


def week_text(schedule: MemberSchedule, config: GuildConfig, at: float) -> str:
    """A member's usual hours, weekday by weekday, on the clock they are saved on."""
    labels = {
        (day, offer.hour): offer.label
        for day, found in offers(config, schedule.zone, at).items()
        for offer in found
    }
    lines = []
    for weekday, name in enumerate(WEEKDAYS):
        hours = sorted(slot.hour for slot in schedule.slots if slot.weekday == weekday)
        if hours:
            shown = (labels.get((weekday, h), f"{h:02d}:00") for h in hours)
            lines.append(f"{name}: {', '.join(shown)}")
    where = clock_name(schedule.zone, config)
    if not lines:
        return f"You have no usual hours yet ({where})."
    return f"Your usual hours ({where}):\n" + "\n".join(lines)


# ------------------------------------------------------------------ planned hours


def planned_days(
    plans: Iterable[Plan], config: GuildConfig, shown_in: str, at: float
) -> dict[date, list[datetime]]:
    """The hours of ``plans`` not over at ``at``, on the clock of zone ``shown_in``, by the
    date they fall on there, soonest first. A plan for an hour the window no longer holds
    (an admin moved it) counts nowhere and is left out."""
    tz = zone(shown_in)
    found: dict[date, list[datetime]] = {}
    for plan in plans:
        if plan.cancelled:
            continue
        day = date.fromisoformat(plan.day)
        slot = next((s for s in day_slots(day, config) if s.hour == plan.hour), None)
        if slot is None or slot.start + HOUR <= at:
            continue
        local = datetime.fromtimestamp(slot.start, tz)
        found.setdefault(local.date(), []).append(local)
    return {day: sorted(found[day]) for day in sorted(found)}


def hours_text(hours: Iterable[datetime]) -> str:
    """``12:00, 13:00``: local hours as the member reads them."""
    return ", ".join(f"{local:%H:%M}" for local in hours)


# ------------------------------------------------------------------ the preview


@dataclass(frozen=True, slots=True)
class _Hour:
    """One usual hour of one day of the preview."""

    local: datetime  # on the member's clock
    start: float = 0.0  # the community hour's first instant; 0 when none holds it
    shift: float = 0.0  # seconds the community hour is later (earlier < 0) than it is today
    why: str = ""  # when none holds it
    flagged: bool = False  # daylight saving moves or drops it this day


def preview(
    schedule: MemberSchedule,
    shown_in: str,
    config: GuildConfig,
    at: float,
    *,
    own: bool,
    away: Sequence[Absence] = (),
    planned: dict[date, list[datetime]] | None = None,
) -> str:
    """The next 14 days of a member's usual hours, on the clock ``shown_in`` (a zone name:
    the member's ``own`` or the community's), each with the community hour it counts for;
    days where daylight saving moves one (to another community hour than today's clocks
    give) or drops one are flagged with ⚠, days with hours the member is ``away`` for say
    so (those hours do not count); ``planned`` hours (``planned_days`` on ``shown_in``)
    are listed on their day."""
    planned = planned or {}
    member, community = zone(shown_in), zone(config.timezone)
    usual_gap = _gap(at, member, community)
    first = datetime.fromtimestamp(at, member).date()
    dates = [first + timedelta(days=n) for n in range(PREVIEW_DAYS)]
    wanted = set(dates)
    found: dict[date, list[_Hour]] = {day: [] for day in dates}
    held: set[tuple[date, int]] = set()
    away_days: set[date] = set()
    today = community_date(at, config)
    for offset in range(-1, PREVIEW_DAYS + 1):
        day = today + timedelta(days=offset)
        window = day_slots(day, config)
        for hour in window:
            if hour.hour not in playtime.usual_hours(schedule, day, [hour]):
                continue
            local = datetime.fromtimestamp(hour.start, member)
            if local.date() not in wanted:
                continue
            held.add((local.date(), local.hour))
            if playtime.away_at(away, hour.start):
                away_days.add(local.date())
                continue
            shift = (usual_gap - _gap(hour.start, member, community)).total_seconds()
            found[local.date()].append(_Hour(local, hour.start, shift, flagged=bool(shift)))
        if not schedule.zone and day in wanted:
            found[day].extend(_community_gaps(schedule, day, config))
    if schedule.zone == shown_in:
        for day in dates:
            found[day].extend(_dropped(schedule, day, held, member, community, usual_gap))
    whose = f"your time ({shown_in})" if own else f"the community's time ({shown_in})"
    lines = [
        f"The next {PREVIEW_DAYS} days in {whose} → the community's hours"
        f" ({config.timezone}); ⚠ marks a day daylight saving changes:"
    ]
    for day in dates:
        hours = sorted(found[day], key=lambda h: h.local.replace(tzinfo=None))
        said = planned.get(day, [])
        if hours or day in away_days or said:
            lines.append(_day_line(day, hours, community, away=day in away_days, planned=said))
    if len(lines) == 1:
        lines.append("No usual or planned hours in these days.")
    return "\n".join(lines)


def _gap(at: float, member: ZoneInfo, community: ZoneInfo) -> timedelta:
    """How far the member's clock is ahead of the community's at ``at``."""
    moment = datetime.fromtimestamp(at, member)
    ahead = moment.utcoffset()
    behind = moment.astimezone(community).utcoffset()
    assert ahead is not None
    assert behind is not None
    return ahead - behind


def _community_gaps(schedule: MemberSchedule, day: date, config: GuildConfig) -> list[_Hour]:
    """Usual hours on the community's clock that ``day`` skips (a spring-forward)."""
    usual = {slot.hour for slot in schedule.slots if slot.weekday == day.weekday()}
    tz = zone(config.timezone)
    missing = []
    for index in range(config.window_hours):
        offset = config.window_start + index
        if offset % 24 in usual and local_wall(day, offset, tz) is None:
            wall = datetime.combine(day + timedelta(days=offset // 24), datetime.min.time())
            local = wall.replace(hour=offset % 24, tzinfo=tz)
            missing.append(_Hour(local, why="skipped: the clocks go forward", flagged=True))
    return missing


def _dropped(
    schedule: MemberSchedule,
    day: date,
    held: set[tuple[date, int]],
    member: ZoneInfo,
    community: ZoneInfo,
    usual_gap: timedelta,
) -> Iterable[_Hour]:
    """The member's usual hours of local ``day`` that no community hour holds, and why."""
    for slot in schedule.slots:
        if slot.weekday != day.weekday() or (day, slot.hour) in held:
            continue
        wall = local_wall(day, slot.hour, member)
        if wall is None:
            naive = datetime.combine(day, datetime.min.time()).replace(hour=slot.hour)
            skipped = naive.replace(tzinfo=member)
            yield _Hour(skipped, why="skipped: the clocks go forward", flagged=True)
        elif _gap(wall.timestamp(), member, community) != usual_gap:
            yield _Hour(wall, why="outside the play window this day", flagged=True)
        else:
            yield _Hour(wall, why="outside the play window")


def _day_line(
    day: date,
    hours: list[_Hour],
    community: ZoneInfo,
    *,
    away: bool = False,
    planned: Sequence[datetime] = (),
) -> str:
    """``Sat 14 Mar: 03:00-05:00 → Fri 22:00-00:00 (1 h later than now) ⚠``; a day the
    member is away starts with ``AWAY``, a day with planned hours ends with them."""
    parts: list[str] = [AWAY] if away else []
    flagged = False
    run: list[_Hour] = []

    def close() -> None:
        if run:
            parts.append(_run_text(day, run, community))
            run.clear()

    for hour in hours:
        flagged = flagged or hour.flagged
        if not hour.start:
            close()
            parts.append(f"{hour.local:%H:%M} {hour.why}")
            continue
        if run and not (hour.start == run[-1].start + 3600 and hour.shift == run[-1].shift):
            close()
        run.append(hour)
    close()
    if planned:
        parts.append(f"{PLANNED} {hours_text(planned)}")
    return f"{day:%a %d %b}: {'; '.join(parts)}{' ⚠' if flagged else ''}"


def _run_text(day: date, run: list[_Hour], community: ZoneInfo) -> str:
    local_end = datetime.fromtimestamp(run[-1].start + 3600, run[0].local.tzinfo)
    counts_for = _span(day, run[0].start, run[-1].start, community)
    text = f"{run[0].local:%H:%M}-{local_end:%H:%M} → {counts_for}"
    if run[0].shift:
        shift = abs(run[0].shift)
        amount = f"{shift / 3600:g} h" if shift % 3600 == 0 else f"{shift / 60:g} min"
        text += f" ({amount} {'later' if run[0].shift > 0 else 'earlier'} than now)"
    return text


def _span(day: date, first: float, last: float, community: ZoneInfo) -> str:
    """``22:00-00:00``, with the community's weekday when it is not ``day``'s."""
    start = datetime.fromtimestamp(first, community)
    end = datetime.fromtimestamp(last + 3600, community)
    weekday = "" if start.date() == day else f"{start:%a} "
    return f"{weekday}{start:%H:%M}-{end:%H:%M}"

"""``/week``: who plays in the next 7 days, counted as the dashboard's heatmap counts them
(``services.runtime.ahead``), written as text.

Both the private answer and the weekly post (``services.scheduler.engines.weekpost``) are
drawn here from what the scheduler keeps in memory: the guild's usual hours, absences and
plans, today's board and the roster's names, so they cost no request. ``/week`` is shown on
the reader's own clock (their timezone, else the community's), with hours as plain text
since it names that clock; the post is read by everyone, so its hours are Discord
timestamps, each reader's own time.
A day's hours with the same counts one after another are one run (``19:00-22:00 **3**``),
so that seven days fit in a message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bus.protocol import CommandSpec, Interaction, InteractionResponse
from services.runtime import ahead
from services.runtime.ahead import Cell, WeekAhead
from services.runtime.playtime import zone
from services.scheduler.answers import Context, private
from services.scheduler.commands.schedule import member_clock
from services.scheduler.daily import Days, GuildDay
from services.scheduler.dashboard import board
from services.scheduler.render import MAX_CONTENT
from services.scheduler.roster import Roster
from services.scheduler.slash import Slash

HOUR = 3600.0
NOBODY = "nobody yet"
DAY_LABEL = "%a %d %b"  # Mon 09 Mar


def week_of(days: Days, roster: Roster, guild: GuildDay, clock: str, now: float) -> WeekAhead:
    """The guild's week ahead from ``now`` on ``clock`` (a zone name), from memory."""
    view = roster.guild(guild.guild_id)
    names = {user: facts.display_name for user, facts in view.members.items() if not facts.bot}
    absences = [a for found in guild.absences.values() for a in found]
    plans = [p for found in guild.plans.values() for p in found]
    return ahead.week_ahead(
        guild.config,
        guild.schedules.values(),
        board(days, roster, guild.guild_id),
        names,
        0,
        clock,
        now,
        away=ahead.away_by(absences),
        more=[ahead.plan_source(plans)],
    )


@dataclass(frozen=True, slots=True)
class _Run:
    """Window hours one after another with the same counts."""

    first: float
    end: float
    count: int
    maybe: int


def runs(cells: Sequence[tuple[str, Cell]]) -> list[_Run]:
    """A day's hours someone answered for, joined into runs of the same counts."""
    found: list[_Run] = []
    for _, cell in cells:
        if not cell.said:
            continue
        last = found[-1] if found else None
        if (
            last is not None
            and last.end == cell.start
            and (last.count, last.maybe) == (cell.count, cell.maybe_count)
        ):
            found[-1] = _Run(last.first, cell.start + HOUR, last.count, last.maybe)
        else:
            found.append(_Run(cell.start, cell.start + HOUR, cell.count, cell.maybe_count))
    return found


def counts(run: _Run) -> str:
    """``**3**``, ``**3** + 1 maybe``, ``1 maybe``."""
    unsure = f"{run.maybe} maybe"
    if not run.count:
        return unsure
    return f"**{run.count}**" + (f" + {unsure}" if run.maybe else "")


def day_lines(
    week: WeekAhead, dates: Sequence[date], when: Callable[[_Run], str], budget: int
) -> list[str]:
    """One line per date: its runs, each ``when`` it is and its counts; a line longer than
    ``budget`` ends with how many runs were left out."""
    lines = []
    for day in dates:
        parts = [f"{when(run)} {counts(run)}" for run in runs(week.by_date.get(day, ()))]
        head = f"**{day:{DAY_LABEL}}**: "
        line = head + (" · ".join(parts) if parts else NOBODY)
        while len(line) > budget and parts:
            parts.pop()
            line = f"{head}{' · '.join(parts)} · … {len(runs(week.by_date[day])) - len(parts)} more"
        lines.append(line)
    return lines


def reply_text(week: WeekAhead, own: bool) -> str:
    """``/week``'s answer: the reader's next 7 dates on their clock."""
    whose = f"your time, {week.zone}" if own else f"the community's time, {week.zone}"
    head = (
        f"**The week ahead** ({whose}): players in each hour, and who said maybe."
        " Usual hours count, except on days someone is away."
    )
    budget = (MAX_CONTENT - len(head)) // len(week.dates) - 1

    def when(run: _Run) -> str:
        return f"{_wall(run.first, week.zone)}-{_wall(run.end, week.zone)}"

    return "\n".join([head, *day_lines(week, week.dates, when, budget)])


def _wall(at: float, zone_name: str) -> str:
    return f"{datetime.fromtimestamp(at, zone(zone_name)):%H:%M}"


def post_text(week: WeekAhead, dates: Sequence[date], tail: str) -> str:
    """The weekly post: ``dates`` (the community's), hours in each reader's time, and
    ``tail`` for its last line."""
    head = (
        f"## The week ahead\n{dates[0]:{DAY_LABEL}} to {dates[-1]:{DAY_LABEL}}:"
        " players in each hour (in your time), and who said maybe."
    )
    budget = (MAX_CONTENT - len(head) - len(tail) - 1) // len(dates) - 1

    def when(run: _Run) -> str:
        return f"<t:{int(run.first)}:t>-<t:{int(run.end)}:t>"

    return "\n".join([head, *day_lines(week, dates, when, budget), tail])


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/week``."""
    guild = await context.days.load(interaction.guild_id)
    own = await member_clock(context, interaction.member.user_id)
    clock = own or guild.config.timezone
    week = week_of(context.days, context.roster, guild, clock, context.clock.now())
    return private(reply_text(week, bool(own)))


WEEK = CommandSpec(
    name="week",
    description="Who plays in the next 7 days, in your time",
    ephemeral=True,
)

COMMAND = Slash(spec=WEEK, run=command)

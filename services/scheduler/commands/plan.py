"""``/plan set day``, ``/plan show``, ``/plan cancel day``: hours a member plans on another of
the next ``PLAN_DAYS`` days (see ``services.runtime.playtime``, "Planned").

Dates and hours are the member's own: their timezone when they set one, else the
community's. ``/plan set`` answers privately with a select of the play window's hours that
fall on that date on the member's clock and are not over (a window from 18:00 in Paris is
10:00-13:00 the same day in Los Angeles), the ones planned already preselected. What the
member leaves picked is planned, what they unpick is taken back; unpicking all clears the
day, as ``/plan cancel`` does. Each is stored by community day and window hour, so that
day's message lists the member in it, marked as a click (👍), and reminders and calls
count them; "Not today" on that message takes the day's plans back.

Whatever the client sends is checked again, because a client can send anything: the date
(a date like 2026-07-14, from the member's today to ``PLAN_DAYS - 1`` days after it), the
select's custom id (the date and clock it was opened for) and its values (hours offered
on that date and not over). A refusal is private, says why, and changes nothing.

Discord's rules this follows (docs.discord.com/developers, Components > Reference >
String Select): a select holds 1 to 25 options and ``min_values`` may be 0; a window has
at most 20 hours, so one date's hours fit. Autocomplete offers at most 25 choices
(Interactions > Receiving and Responding > Autocomplete).

Exactly once: a plan carries the instant of the interaction that said it, so the same
interaction relayed twice writes the same rows twice, and a late copy never undoes a
newer change (telemetry keeps the newer, see ``services.telemetry.planned``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bus.protocol import (
    ActionRow,
    CommandSpec,
    Component,
    ComponentType,
    GetPlans,
    GuildConfig,
    Interaction,
    InteractionResponse,
    OptionSpec,
    Plan,
    PlansReply,
    SelectChoice,
    SetPlans,
)
from services.runtime.playtime import MARKS, How, community_date, zone
from services.scheduler.answers import Context, Refusal, echoed, private, text_option, update
from services.scheduler.commands.away import MAX_CHOICES, day_text, parse_date, suggestions
from services.scheduler.commands.schedule import member_clock
from services.scheduler.daily import GuildDay
from services.scheduler.slash import Slash, sub
from services.scheduler.slots import day_slots
from services.scheduler.week import hours_text, planned_days

PLAN_DAYS = 14
"""The member's today and the 13 days after it: the days ``/schedule show`` previews."""
PICK = "scheduler:plan:"  # + the member's date, ISO, + ":" + the clock ("" the community's)
STALE = "That menu is out of date: run /plan set again."
HOUR = 3600.0
MARK = MARKS[How.REACTED]
REACH = 2  # community days either side of a member's date whose windows can fall on it


@dataclass(frozen=True, slots=True)
class Offered:
    """One hour a member can plan: the community day and window hour it is stored as,
    its first instant, and how it reads on the member's clock."""

    day: date
    hour: int
    start: float
    label: str

    @property
    def value(self) -> str:
        """What the select sends back: the hour's first instant, unique on any clock."""
        return str(int(self.start))


@dataclass(frozen=True, slots=True)
class Clock:
    """The clock a member plans on: their zone ("" for the community's) and its name."""

    own: str
    name: str

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.name)


def pick_id(day: date, clock: str) -> str:
    """The custom id of the select opened for the member's date ``day`` on ``clock``."""
    return f"{PICK}{day.isoformat()}:{clock}"


async def _clock(context: Context, guild: GuildDay, user_id: int) -> Clock:
    own = await member_clock(context, user_id)
    return Clock(own, own or guild.config.timezone)


def _window(guild: GuildDay, day: date) -> GuildConfig:
    """The hours of community day ``day``: the current message's as posted, else today's."""
    return guild.window if day == guild.day else guild.config


def hours_on(guild: GuildDay, local: date, tz: ZoneInfo) -> list[Offered]:
    """Every window hour that starts on the member's date ``local`` on their clock ``tz``."""
    found = []
    for offset in range(-REACH, REACH + 1):
        day = local + timedelta(days=offset)
        for slot in day_slots(day, _window(guild, day)):
            moment = datetime.fromtimestamp(slot.start, tz)
            if moment.date() == local:
                found.append(Offered(day, slot.hour, slot.start, f"{moment:%H:%M}"))
    return sorted(found, key=lambda o: o.start)


def _checked_day(day: date, today: date) -> None:
    """Refuse a date before the member's today or past the last day a plan may be for."""
    if day < today:
        raise Refusal(
            f"{day_text(day)} is in the past: plan today ({day_text(today)}, your time)"
            " or a later day."
        )
    last = today + timedelta(days=PLAN_DAYS - 1)
    if day > last:
        raise Refusal(
            f"{day_text(day)} is more than {PLAN_DAYS} days ahead: plan up to {day_text(last)}."
        )


def _mine(guild: GuildDay, user_id: int) -> set[tuple[date, int]]:
    """The (community day, hour) the member planned, standing."""
    return {
        (date.fromisoformat(p.day), p.hour) for p in guild.plans.get(user_id, []) if not p.cancelled
    }


def _menu(
    day: date, clock: Clock, hours: list[Offered], chosen: set[tuple[date, int]]
) -> list[ActionRow]:
    select = Component(
        kind=ComponentType.STRING_SELECT,
        custom_id=pick_id(day, clock.own),
        placeholder=f"Your hours on {day:%a %d %b}",
        min_values=0,
        max_values=len(hours),
        options=[
            SelectChoice(
                label=o.label, value=o.value, emoji=MARK, default=(o.day, o.hour) in chosen
            )
            for o in hours
        ],
    )
    return [ActionRow(components=[select])]


def _said(guild: GuildDay, user_id: int, day: date, clock: Clock, now: float) -> str:
    """The member's plans on their date ``day``, in words."""
    found = planned_days(guild.plans.get(user_id, []), guild.config, clock.name, now)
    hours = found.get(day, [])
    if not hours:
        return f"You have no hours planned on {day_text(day)}."
    return (
        f"{MARK} Planned on {day_text(day)}: {hours_text(hours)} (your time, {clock.name})."
        " That day's message lists you in those hours as if you had clicked them."
    )


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/plan set|show|cancel``."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    match interaction.command.partition(" ")[2]:
        case "set":
            return await _open(context, guild, user, text_option(interaction.options, "day"))
        case "show":
            return await _show(context, guild, user)
        case "cancel":
            return await _cancel(context, interaction, guild)
        case other:
            raise Refusal(f"Unknown /plan action {echoed(other)}.")


async def _open(context: Context, guild: GuildDay, user_id: int, raw: str) -> InteractionResponse:
    """The member's private select of the hours of their date ``raw``."""
    now = context.clock.now()
    clock = await _clock(context, guild, user_id)
    day = parse_date(raw, "day")
    _checked_day(day, community_date(now, clock.zone))
    hours = [o for o in hours_on(guild, day, clock.zone) if o.start + HOUR > now]
    if not hours:
        raise Refusal(f"No hour of the play window is left on {day_text(day)} (your time).")
    text = (
        f"{_said(guild, user_id, day, clock, now)}\nPick the hours you will play on"
        f" {day_text(day)} (times on your clock, {clock.name}); unpick them all to clear the day."
    )
    return private(text, _menu(day, clock, hours, _mine(guild, user_id)))


def _chosen(values: list[str], day: date, every: list[Offered], now: float) -> set[Offered]:
    """The offered hours picked; a value that is no hour of ``day`` is refused, an hour
    that ended by name."""
    by_value = {o.value: o for o in every}
    chosen = set()
    for value in values:
        found = by_value.get(value)
        if found is None:
            raise Refusal(
                f"{echoed(value)} is not an hour offered on {day_text(day)}. Nothing was changed."
            )
        if found.start + HOUR <= now:
            raise Refusal(f"{found.label} on {day_text(day)} is over. Nothing was changed.")
        chosen.add(found)
    return chosen


async def pick(context: Context, interaction: Interaction) -> InteractionResponse:
    """A pick in the plan menu: the member's plans on its date become what is picked."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    day_part, _, clock_part = interaction.custom_id.removeprefix(PICK).partition(":")
    try:
        day = parse_date(day_part, "day")
    except Refusal:
        raise Refusal(STALE) from None  # a custom id the bot never made
    now = context.clock.now()
    at = interaction.at or now
    async with context.member_lock(guild.guild_id, user):
        clock = await _clock(context, guild, user)
        if clock_part != clock.own:
            raise Refusal(STALE)  # opened before the member changed their timezone
        today = community_date(now, clock.zone)
        _checked_day(day, today)
        every = hours_on(guild, day, clock.zone)
        chosen = _chosen(list(interaction.values), day, every, now)
        plans = [
            Plan(user_id=user, day=o.day.isoformat(), hour=o.hour, cancelled=o not in chosen, at=at)
            for o in every
            if o.start + HOUR > now
        ]
        await context.days.ask(
            "telemetry", SetPlans(guild_id=guild.guild_id, user_id=user, plans=plans), PlansReply
        )
        await _refresh(context, guild, user, today)
    hours = [o for o in every if o.start + HOUR > now]
    return update(_said(guild, user, day, clock, now), _menu(day, clock, hours, _mine(guild, user)))


async def _refresh(context: Context, guild: GuildDay, user_id: int, today: date) -> None:
    """Read the member's plans back from the record, and let the message follow."""
    since = (today - timedelta(days=REACH)).isoformat()
    request = GetPlans(guild_id=guild.guild_id, user_ids=[user_id], since=since)
    found = await context.days.ask("telemetry", request, PlansReply)
    context.days.set_plans(guild.guild_id, user_id, found.plans)


async def _show(context: Context, guild: GuildDay, user_id: int) -> InteractionResponse:
    now = context.clock.now()
    clock = await _clock(context, guild, user_id)
    found = planned_days(guild.plans.get(user_id, []), guild.config, clock.name, now)
    if not found:
        return private("You have no hours planned. /plan set day:… plans some.")
    lines = [f"{MARK} Your planned hours (your time, {clock.name}):"]
    lines += [f"• {day_text(day)}: {hours_text(hours)}" for day, hours in found.items()]
    lines.append("/plan set changes a day; /plan cancel clears one.")
    return private("\n".join(lines))


async def _cancel(
    context: Context, interaction: Interaction, guild: GuildDay
) -> InteractionResponse:
    user = interaction.member.user_id
    day = parse_date(text_option(interaction.options, "day"), "day")
    now = context.clock.now()
    at = interaction.at or now
    async with context.member_lock(guild.guild_id, user):
        clock = await _clock(context, guild, user)
        mine = _mine(guild, user)
        taken = [
            Plan(user_id=user, day=o.day.isoformat(), hour=o.hour, cancelled=True, at=at)
            for o in hours_on(guild, day, clock.zone)
            if o.start + HOUR > now and (o.day, o.hour) in mine
        ]
        if not taken:
            raise Refusal(f"You have no hours planned on {day_text(day)}: /plan show lists yours.")
        request = SetPlans(guild_id=guild.guild_id, user_id=user, plans=taken)
        await context.days.ask("telemetry", request, PlansReply)
        await _refresh(context, guild, user, community_date(now, clock.zone))
    return private(f"Cleared your planned hours on {day_text(day)}.")


async def autocomplete(context: Context, interaction: Interaction) -> InteractionResponse:
    """The next ``PLAN_DAYS`` dates in the member's own time; for ``/plan cancel``, the
    dates they planned hours on."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    typed = interaction.options.get(interaction.focused, "")
    now = context.clock.now()
    clock = await _clock(context, guild, user)
    today = community_date(now, clock.zone)
    choices = suggestions(typed, today, today, PLAN_DAYS - 1)
    if interaction.command == "plan cancel":
        planned = planned_days(guild.plans.get(user, []), guild.config, clock.name, now)
        choices = [c for c in choices if date.fromisoformat(c.value) in planned]
    return InteractionResponse(kind="autocomplete", choices=choices[:MAX_CHOICES])


def _day(description: str) -> OptionSpec:
    return OptionSpec(name="day", description=description, required=True, autocomplete=True)


PLAN = CommandSpec(
    name="plan",
    description="Hours you will play on another of the next 14 days",
    ephemeral=True,
    subcommands=[
        sub("set", "Pick your hours on a day (your time)", _day("The day, e.g. 2026-07-14")),
        sub("show", "Show the hours you planned"),
        sub("cancel", "Clear the hours you planned on a day", _day("The day to clear")),
    ],
)

COMMAND = Slash(spec=PLAN, run=command, complete=autocomplete)

"""``/schedule``: each member's usual hours, picked day by day in a private select-menu editor,
in their own time; and what the next 14 days will make of them.

The editor is one private message: a select for the weekday, a select for that day's
hours (the play window's, as they fall on the member's clock — their timezone when they
set one, else the community's — the saved ones preselected) and a "Clear all" button.
Picking saves at once, for that member only: telemetry stores one row per member, weekday
and hour, with the zone it is on, so two members saving at the same moment keep both.
Hours saved on another clock (before the member set a timezone, or in their old one) are
shown converted, and saved on the member's clock at their next pick; never silently.

The custom ids say which weekday a select edits and on which clock; they come back from
the member's client, so they and the picked values are checked before anything is saved.
"""

from __future__ import annotations

from bus.protocol import (
    ActionRow,
    ClearSchedule,
    CommandSpec,
    Component,
    ComponentType,
    GetTimezones,
    Interaction,
    InteractionResponse,
    MemberSchedule,
    SchedulesReply,
    SelectChoice,
    SetSchedule,
    TimezonesReply,
    WeeklySlot,
)
from services.runtime.playtime import timezone_named, weekly_hour, zone
from services.scheduler.answers import Context, Refusal, echoed, private, update
from services.scheduler.daily import GuildDay
from services.scheduler.slash import Slash, sub
from services.scheduler.week import (
    WEEKDAYS,
    clock_name,
    offers,
    on_clock,
    planned_days,
    preview,
    week_text,
)

PICK_DAY = "scheduler:sched:day:"  # + clock
PICK_HOURS = "scheduler:sched:hours:"  # + weekday + ":" + clock
CLEAR = "scheduler:sched:clear"
STALE = "That menu is out of date: run /schedule edit again."


def day_id(clock: str = "") -> str:
    """The custom id of the weekday select on ``clock``."""
    return f"{PICK_DAY}{clock}"


def hours_id(weekday: int, clock: str = "") -> str:
    """The custom id of ``weekday``'s hours select on ``clock``."""
    return f"{PICK_HOURS}{weekday}:{clock}"


async def member_clock(context: Context, user_id: int) -> str:
    """The clock a member plans on: their timezone, or "" (the community's) without one."""
    found = await context.days.ask("telemetry", GetTimezones(user_ids=[user_id]), TimezonesReply)
    name = found.timezones.get(user_id, "")
    return name if timezone_named(name) is not None else ""


def saved(guild: GuildDay, user_id: int) -> MemberSchedule:
    """The member's schedule as stored (empty on the community's clock when none)."""
    return guild.schedules.get(user_id) or MemberSchedule(user_id=user_id)


def editor(guild: GuildDay, schedule: MemberSchedule, weekday: int, at: float) -> list[ActionRow]:
    """The editor's components, showing ``weekday`` of ``schedule``'s clock."""
    clock = schedule.zone
    chosen = {slot.hour for slot in schedule.slots if slot.weekday == weekday}
    hours = offers(guild.config, clock, at)[weekday]
    days = Component(
        kind=ComponentType.STRING_SELECT,
        custom_id=day_id(clock),
        placeholder="Day",
        options=[
            SelectChoice(label=name, value=str(day), default=day == weekday)
            for day, name in enumerate(WEEKDAYS)
        ],
    )
    rows = [ActionRow(components=[days])]
    if hours:  # a select needs one option at least
        picks = Component(
            kind=ComponentType.STRING_SELECT,
            custom_id=hours_id(weekday, clock),
            placeholder=f"Your hours on {WEEKDAYS[weekday]}s",
            min_values=0,
            max_values=len(hours),
            options=[
                SelectChoice(label=o.label, value=str(o.hour), default=o.hour in chosen)
                for o in hours
            ],
        )
        rows.append(ActionRow(components=[picks]))
    rows.append(ActionRow(components=[Component(custom_id=CLEAR, label="Clear all", style=4)]))
    return rows


def _editor_text(
    guild: GuildDay, stored: MemberSchedule, shown: MemberSchedule, weekday: int, at: float
) -> str:
    config = guild.config
    lines = [week_text(shown, config, at), ""]
    if stored.slots and stored.zone != shown.zone:
        lines.append(
            f"They were saved in {stored.zone or clock_name('', config)}: shown here in"
            f" {clock_name(shown.zone, config)}, and saved so at your next pick."
        )
    if not offers(config, shown.zone, at)[weekday]:
        lines.append(f"No hour of the play window falls on your {WEEKDAYS[weekday]}s.")
    lines.append(
        f"Pick a day, then your hours on it: {WEEKDAYS[weekday]} is shown. Saved as you pick."
    )
    return "\n".join(lines)


async def _save(context: Context, guild: GuildDay, schedule: MemberSchedule) -> None:
    request = SetSchedule(guild_id=guild.guild_id, schedule=schedule)
    await context.days.ask("telemetry", request, SchedulesReply)
    context.days.set_schedule(guild.guild_id, schedule)


def _today(clock: str, guild: GuildDay, at: float) -> int:
    """Today's weekday on ``clock``."""
    found = weekly_hour(at, zone(clock or guild.config.timezone))
    return found[0] if found is not None else 0


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/schedule edit|show|clear``."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    match interaction.command.partition(" ")[2]:
        case "edit":
            return await open_editor(context, guild, user)
        case "show":
            return await show(context, guild, user)
        case "clear":
            async with context.member_lock(guild.guild_id, user):
                request = ClearSchedule(guild_id=guild.guild_id, user_id=user)
                await context.days.ask("telemetry", request, SchedulesReply)
                context.days.set_schedule(guild.guild_id, MemberSchedule(user_id=user))
            return private("Your usual hours are cleared.")
        case other:
            raise Refusal(f"Unknown /schedule action {echoed(other)}.")


async def show(context: Context, guild: GuildDay, user_id: int) -> InteractionResponse:
    """The member's usual hours and the next 14 days of them with the hours they planned,
    in their time."""
    now = context.clock.now()
    clock = await member_clock(context, user_id)
    stored = saved(guild, user_id)
    shown_in = stored.zone or clock or guild.config.timezone
    text = week_text(stored, guild.config, now)
    planned = planned_days(guild.plans.get(user_id, []), guild.config, shown_in, now)
    if stored.slots or planned:
        own = bool(stored.zone or clock)
        away = guild.absences.get(user_id, [])
        text += "\n\n" + preview(
            stored, shown_in, guild.config, now, own=own, away=away, planned=planned
        )
    return private(text)


async def open_editor(context: Context, guild: GuildDay, user_id: int) -> InteractionResponse:
    """A new private editor, on today's weekday, on the member's clock."""
    now = context.clock.now()
    clock = await member_clock(context, user_id)
    stored = saved(guild, user_id)
    shown = on_clock(stored, clock, guild.config, now)
    weekday = _today(clock, guild, now)
    return private(
        _editor_text(guild, stored, shown, weekday, now), editor(guild, shown, weekday, now)
    )


async def component(context: Context, interaction: Interaction) -> InteractionResponse:
    """A pick in the editor."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    custom_id = interaction.custom_id
    now = context.clock.now()
    async with context.member_lock(guild.guild_id, user):
        clock = await member_clock(context, user)
        stored = saved(guild, user)
        shown = on_clock(stored, clock, guild.config, now)
        if custom_id.startswith(PICK_DAY):
            if custom_id.removeprefix(PICK_DAY) != clock:
                raise Refusal(STALE)  # opened before the member changed their timezone
            weekday = _weekday(interaction.values[0] if len(interaction.values) == 1 else "")
        elif custom_id.startswith(PICK_HOURS):
            day_text, _, picked_on = custom_id.removeprefix(PICK_HOURS).partition(":")
            weekday = _weekday(day_text)
            if picked_on != clock:
                raise Refusal(STALE)
            offered = {o.hour for o in offers(guild.config, clock, now)[weekday]}
            picked = set()
            for value in interaction.values:
                if not (value.isascii() and value.isdigit()) or int(value) not in offered:
                    raise Refusal(STALE)
                picked.add(int(value))
            kept = {
                (s.weekday, s.hour)
                for s in shown.slots
                if s.weekday != weekday or s.hour not in offered
            }
            chosen = kept | {(weekday, h) for h in picked}
            shown = _schedule(user, chosen, clock)
            await _save(context, guild, shown)
            stored = shown
        elif custom_id == CLEAR:
            weekday = _today(clock, guild, now)
            shown = stored = MemberSchedule(user_id=user, zone=clock)
            await _save(context, guild, shown)
        else:
            raise Refusal(STALE)
    return update(
        _editor_text(guild, stored, shown, weekday, now), editor(guild, shown, weekday, now)
    )


def _schedule(user_id: int, slots: set[tuple[int, int]], clock: str) -> MemberSchedule:
    found = [WeeklySlot(weekday=d, hour=h) for d, h in sorted(slots)]
    return MemberSchedule(user_id=user_id, slots=found, zone=clock)


def _weekday(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 6:
        raise Refusal(STALE)
    return int(text)


SCHEDULE = CommandSpec(
    name="schedule",
    description="Your usual playing hours",
    ephemeral=True,
    subcommands=[
        sub("edit", "Pick your usual hours, day by day"),
        sub("show", "Show your usual hours"),
        sub("clear", "Forget your usual hours"),
    ],
)

COMMAND = Slash(spec=SCHEDULE, run=command)

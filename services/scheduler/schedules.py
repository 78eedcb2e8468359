"""``/schedule``: each member's usual hours, picked day by day in a private select-menu editor.

The editor is one private message: a select for the weekday, a select for that day's
hours (the play window's, in community time, the saved ones preselected) and a "Clear
all" button. Picking saves at once, for that member only: telemetry stores one row per
member, weekday and hour, so two members saving at the same moment keep both. The
custom ids say which weekday a select edits; they come back from the member's client, so
they and the picked values are checked before anything is saved.
"""

from __future__ import annotations

from bus.protocol import (
    ActionRow,
    ClearSchedule,
    Component,
    ComponentType,
    Interaction,
    InteractionResponse,
    MemberSchedule,
    SchedulesReply,
    SelectChoice,
    SetSchedule,
    WeeklySlot,
)
from services.scheduler.answers import Context, Refusal, private, update
from services.scheduler.daily import GuildDay
from services.scheduler.slots import community_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PICK_DAY = "scheduler:sched:day"
PICK_HOURS = "scheduler:sched:hours:"  # + weekday
CLEAR = "scheduler:sched:clear"
STALE = "That menu is out of date: run /schedule edit again."


def window_hours(guild: GuildDay) -> list[int]:
    """The local hours of the play window, in order."""
    config = guild.config
    return [(config.window_start + i) % 24 for i in range(config.window_hours)]


def week_text(guild: GuildDay, user_id: int) -> str:
    """A member's usual hours, day by day."""
    slots = guild.schedules.get(user_id, set())
    lines = []
    for weekday, name in enumerate(WEEKDAYS):
        hours = sorted(hour for day, hour in slots if day == weekday)
        if hours:
            lines.append(f"{name}: {', '.join(f'{h:02d}:00' for h in hours)}")
    zone = guild.config.timezone
    if not lines:
        return f"You have no usual hours yet (times in {zone})."
    return f"Your usual hours ({zone}):\n" + "\n".join(lines)


def editor(guild: GuildDay, user_id: int, weekday: int) -> list[ActionRow]:
    """The editor's components, showing ``weekday``."""
    saved = {hour for day, hour in guild.schedules.get(user_id, set()) if day == weekday}
    hours = window_hours(guild)
    days = Component(
        kind=ComponentType.STRING_SELECT,
        custom_id=PICK_DAY,
        placeholder="Day",
        options=[
            SelectChoice(label=name, value=str(day), default=day == weekday)
            for day, name in enumerate(WEEKDAYS)
        ],
    )
    picks = Component(
        kind=ComponentType.STRING_SELECT,
        custom_id=f"{PICK_HOURS}{weekday}",
        placeholder=f"Your hours on {WEEKDAYS[weekday]}s",
        min_values=0,
        max_values=len(hours),
        options=[
            SelectChoice(label=f"{hour:02d}:00", value=str(hour), default=hour in saved)
            for hour in hours
        ],
    )
    clear = Component(custom_id=CLEAR, label="Clear all", style=4)
    return [
        ActionRow(components=[days]),
        ActionRow(components=[picks]),
        ActionRow(components=[clear]),
    ]


def _editor_text(guild: GuildDay, user_id: int, weekday: int) -> str:
    return (
        f"{week_text(guild, user_id)}\n\n"
        f"Pick a day, then your hours on it: {WEEKDAYS[weekday]} is shown. Saved as you pick."
    )


async def _save(
    context: Context, guild: GuildDay, user_id: int, slots: set[tuple[int, int]]
) -> None:
    schedule = MemberSchedule(
        user_id=user_id, slots=[WeeklySlot(weekday=d, hour=h) for d, h in sorted(slots)]
    )
    request = SetSchedule(guild_id=guild.guild_id, schedule=schedule)
    await context.days.ask("telemetry", request, SchedulesReply)
    context.days.set_schedule(guild.guild_id, schedule)


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/schedule edit|show|clear``."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    match interaction.command.partition(" ")[2]:
        case "edit":
            return open_editor(context, guild, user)
        case "show":
            return private(week_text(guild, user))
        case "clear":
            async with context.member_lock(guild.guild_id, user):
                request = ClearSchedule(guild_id=guild.guild_id, user_id=user)
                await context.days.ask("telemetry", request, SchedulesReply)
                context.days.set_schedule(guild.guild_id, MemberSchedule(user_id=user))
            return private("Your usual hours are cleared.")
        case other:
            raise Refusal(f"Unknown /schedule action {other!r}.")


def open_editor(context: Context, guild: GuildDay, user_id: int) -> InteractionResponse:
    """A new private editor, on today's weekday."""
    weekday = community_date(context.clock.now(), guild.config).weekday()
    return private(_editor_text(guild, user_id, weekday), editor(guild, user_id, weekday))


async def component(context: Context, interaction: Interaction) -> InteractionResponse:
    """A pick in the editor."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    custom_id = interaction.custom_id
    async with context.member_lock(guild.guild_id, user):
        if custom_id == PICK_DAY:
            weekday = _weekday(interaction.values[0] if len(interaction.values) == 1 else "")
        elif custom_id.startswith(PICK_HOURS):
            weekday = _weekday(custom_id.removeprefix(PICK_HOURS))
            offered = window_hours(guild)
            picked = set()
            for value in interaction.values:
                if not (value.isascii() and value.isdigit()) or int(value) not in offered:
                    raise Refusal(STALE)
                picked.add(int(value))
            kept = {
                (d, h)
                for d, h in guild.schedules.get(user, set())
                if d != weekday or h not in offered
            }
            await _save(context, guild, user, kept | {(weekday, h) for h in picked})
        elif custom_id == CLEAR:
            weekday = community_date(context.clock.now(), guild.config).weekday()
            await _save(context, guild, user, set())
        else:
            raise Refusal(STALE)
    return update(_editor_text(guild, user, weekday), editor(guild, user, weekday))


def _weekday(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 6:
        raise Refusal(STALE)
    return int(text)

""" "Maybe": a member's private answer for today's hours, beside the reactions that say "in".

The daily message's "Maybe" button opens, for the member alone, a select of today's hours
that are not over, on their own clock, their current maybes preselected. What they leave
picked is their maybe for those hours; what they unpick is withdrawn. A maybe is shown
apart and never counted as in (see ``services.runtime.playtime``): reacting with the hour
makes the member in, removing the reaction makes them a maybe again, "Not today" clears
both.

Discord's rules this follows (docs.discord.com/developers): a string select holds 1 to 25
options and ``min_values`` may be 0, which lets a member clear every maybe (Components >
Reference > String Select); a window has at most 20 hours, so every hour fits. The select
is answered by editing the private message it sits on, an UPDATE_MESSAGE (type 7) callback,
which Discord offers for component interactions only (Interactions > Receiving and
Responding > Interaction Callback Type); the first answer to the button is an ephemeral
message (flag 64, only the member sees it).

The select's custom id names the community day it was opened for, and comes back from the
member's client like its values: both are checked against the current day and the hours
offered before anything is recorded, and an hour that ended meanwhile is refused by name.
"""

from __future__ import annotations

from datetime import date, datetime

from bus.protocol import (
    ActionRow,
    Component,
    ComponentType,
    Interaction,
    InteractionResponse,
    SelectChoice,
)
from services.runtime.playtime import MAYBE, MAYBE_MARK, How, zone
from services.scheduler.answers import Context, Refusal, private, update
from services.scheduler.commands.schedule import member_clock
from services.scheduler.daily import GuildDay
from services.scheduler.slots import Slot

PICK = "scheduler:maybe:"  # + the community day, ISO
STALE = "That menu is out of date: press Maybe on today's message again."
HOUR = 3600.0


def pick_id(day: date) -> str:
    """The custom id of the maybe select opened for community day ``day``."""
    return f"{PICK}{day.isoformat()}"


def _open_hours(guild: GuildDay, now: float) -> list[Slot]:
    """Today's hours that have not ended: the only ones a maybe can be for."""
    return [slot for slot in guild.slots() if slot.start + HOUR > now]


def _label(slot: Slot, clock: str, guild: GuildDay) -> str:
    """An hour on the member's clock (a select shows plain text, not Discord timestamps)."""
    return datetime.fromtimestamp(slot.start, zone(clock or guild.window.timezone)).strftime(
        "%H:%M"
    )


def _menu(guild: GuildDay, user_id: int, hours: list[Slot], clock: str) -> list[ActionRow]:
    assert guild.day is not None
    unsure = guild.standing(user_id, MAYBE)
    reacted = guild.standing(user_id, How.REACTED) | guild.standing(user_id, How.VOICE)
    select = Component(
        kind=ComponentType.STRING_SELECT,
        custom_id=pick_id(guild.day),
        placeholder="The hours you might play",
        min_values=0,
        max_values=len(hours),
        options=[
            SelectChoice(
                label=_label(slot, clock, guild),
                value=str(slot.hour),
                description="you are in already" if slot.hour in reacted else "",
                emoji=MAYBE_MARK,
                default=slot.hour in unsure,
            )
            for slot in hours
        ],
    )
    return [ActionRow(components=[select])]


def _said(guild: GuildDay, user_id: int) -> str:
    """What the member's maybes are now, in words (hours as Discord timestamps)."""
    unsure = guild.standing(user_id, MAYBE)
    hours = [f"<t:{int(s.start)}:t>" for s in guild.slots() if s.hour in unsure]
    if not hours:
        return "You have no maybe today."
    reacted = guild.standing(user_id, How.REACTED) & unsure
    text = f"{MAYBE_MARK} Maybe today: {', '.join(hours)}."
    if reacted:
        kept = ", ".join(f"<t:{int(s.start)}:t>" for s in guild.slots() if s.hour in reacted)
        text += f" You reacted for {kept}: you stay in there until you remove the reaction."
    return text


async def open_menu(context: Context, guild: GuildDay, user_id: int) -> InteractionResponse:
    """The member's private maybe menu for today's hours that are not over."""
    hours = _open_hours(guild, context.clock.now())
    if not hours:
        return private("Today's hours are over: there is nothing left to say maybe to.")
    clock = await member_clock(context, user_id)
    text = (
        f"{_said(guild, user_id)}\nPick the hours you might play (times on your clock);"
        " react with an hour on the message to be in."
    )
    return private(text, _menu(guild, user_id, hours, clock))


def _chosen(guild: GuildDay, values: list[str], now: float) -> tuple[set[int], set[int]]:
    """The hours picked and the hours offered now; a value that is not an hour of the
    menu's day is refused as stale, an hour that ended as over."""
    starts = {slot.hour: slot.start for slot in guild.slots()}
    offered = {hour for hour, start in starts.items() if start + HOUR > now}
    chosen: set[int] = set()
    for value in values:
        if not (len(value) <= 2 and value.isascii() and value.isdigit()):
            raise Refusal(STALE)
        hour = int(value)
        if hour not in starts:
            raise Refusal(STALE)
        if hour not in offered:
            raise Refusal(
                f"<t:{int(starts[hour])}:t> is over: a maybe is for hours still to come."
                " Nothing was changed."
            )
        chosen.add(hour)
    return chosen, offered


async def pick(context: Context, interaction: Interaction) -> InteractionResponse:
    """A pick in the maybe menu: the member's maybes become what is picked."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    if guild.day is None or interaction.custom_id != pick_id(guild.day):
        raise Refusal(STALE)  # another day's menu, or a custom id the bot never made
    now = context.clock.now()
    chosen, offered = _chosen(guild, list(interaction.values), now)
    async with context.member_lock(guild.guild_id, user):
        await context.days.set_maybes(guild.guild_id, user, chosen, offered)
        clock = await member_clock(context, user)
    hours = _open_hours(guild, now)
    return update(_said(guild, user), _menu(guild, user, hours, clock) if hours else [])

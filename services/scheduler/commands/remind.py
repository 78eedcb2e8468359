"""``/remind on [minutes] [where]``, ``/remind off`` and ``/remind show``: a member's reminders.

The options come from the member's client and are checked again here (Discord's own
bounds are not trusted): minutes 5 to 120, where ``dm`` or ``channel``.
"""

from __future__ import annotations

from bus.protocol import (
    Choice,
    CommandSpec,
    Interaction,
    InteractionResponse,
    OptionSpec,
    ReminderChoice,
)
from services.runtime.playtime import DEFAULT_REMINDER, MAX_REMINDER, MIN_REMINDER
from services.scheduler.answers import Context, Refusal, echoed, private
from services.scheduler.engines.reminders import Reminders
from services.scheduler.slash import Slash, sub

PLACES = {"dm": False, "channel": True}  # option value -> by mention in the channel


def _minutes(interaction: Interaction) -> int:
    raw = interaction.options.get("minutes", "").strip()
    if not raw:
        return DEFAULT_REMINDER
    if not (raw.isascii() and raw.lstrip("-").isdigit()):
        raise Refusal(f"`minutes` must be a whole number of minutes, not {echoed(raw)}.")
    bounds = f"A reminder comes {MIN_REMINDER} to {MAX_REMINDER} minutes before the hour"
    if len(raw) > 4:  # checked first: int() refuses over 4,300 digits (sys.int_info)
        raise Refusal(f"{bounds}, not {echoed(raw)}.")
    minutes = int(raw)
    if not MIN_REMINDER <= minutes <= MAX_REMINDER:
        raise Refusal(f"{bounds}, not {minutes}.")
    return minutes


def _where(interaction: Interaction) -> bool:
    raw = interaction.options.get("where", "dm").strip() or "dm"
    if raw not in PLACES:
        raise Refusal(f"`where` is dm or channel, not {echoed(raw)}.")
    return PLACES[raw]


def describe(choice: ReminderChoice | None, reminders: Reminders) -> str:
    """What a member's reminders are, in words."""
    if choice is None:
        return "Your reminders are off. /remind on turns them on."
    where = "as a mention in the daily channel"
    if not choice.channel:
        where = "by DM"
        if reminders.dms_closed(choice.user_id):
            where += " (Discord refused the last one: your DMs are closed to the bot, so they"
            where += " come as a mention in the daily channel until you open them)"
    return (
        f"Reminders are on: {choice.minutes} minutes before each run of hours you are in"
        f" today, {where}."
    )


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/remind on|off|show``."""
    reminders = context.reminders
    if reminders is None:
        raise Refusal("Reminders are starting; try again in a moment.")
    guild_id, user = interaction.guild_id, interaction.member.user_id
    match interaction.command.partition(" ")[2]:
        case "on":
            choice = ReminderChoice(
                user_id=user, minutes=_minutes(interaction), channel=_where(interaction)
            )
            await reminders.choose(guild_id, user, choice)
            return private(describe(choice, reminders))
        case "off":
            await reminders.choose(guild_id, user, None)
            return private("Your reminders are off.")
        case "show":
            return private(describe(await reminders.choice(guild_id, user), reminders))
        case other:
            raise Refusal(f"Unknown /remind action {echoed(other)}.")


REMIND = CommandSpec(
    name="remind",
    description="A reminder before the hours you play",
    ephemeral=True,
    subcommands=[
        sub(
            "on",
            "Remind me before each run of hours I am in today",
            OptionSpec(
                name="minutes",
                description=(
                    f"How long before the hour, {MIN_REMINDER}-{MAX_REMINDER}"
                    f" (default {DEFAULT_REMINDER})"
                ),
                kind="integer",
                min_value=MIN_REMINDER,
                max_value=MAX_REMINDER,
            ),
            OptionSpec(
                name="where",
                description="By DM (default) or as a mention in the daily channel",
                choices=[Choice(name="DM", value="dm"), Choice(name="channel", value="channel")],
            ),
        ),
        sub("off", "No more reminders"),
        sub("show", "Show my reminders"),
    ],
)

COMMAND = Slash(spec=REMIND, run=command)

"""``/nudges on [quiet_from] [quiet_until]``, ``/nudges off``, ``/nudges show``, and the
button of a nudge's DM ("I'm in at 21:00").

The options are checked again here (a member's client can send anything): quiet hours are
whole hours 0 to 23 on the member's own clock. A nudge's button arrives from a DM, where
Discord names no server: its custom id says which guild, member, day and hour it is for,
and none of that is believed until the record agrees — the button must be the one on the
nudge that was sent to this member for that guild and day, the day must still be today's
and the hour must not have ended. Anything else is refused with a private reason.
"""

from __future__ import annotations

from bus.protocol import CommandSpec, Interaction, InteractionResponse, NudgeChoice, OptionSpec
from services.scheduler.answers import Context, Refusal, echoed, private
from services.scheduler.engines.nudges import QUIET_END, QUIET_START, Nudges, parse_button, wants
from services.scheduler.names import inert
from services.scheduler.slash import Slash, sub

NOT_A_NUDGE = "That button is not one of squadtime's nudges."


def _hour(interaction: Interaction, name: str, default: int) -> int:
    raw = interaction.options.get(name, "").strip()
    if not raw:
        return default
    # The length first: int() refuses a number of over 4,300 digits (sys.int_info).
    if not (len(raw) <= 2 and raw.isascii() and raw.isdigit()) or not 0 <= int(raw) <= 23:
        raise Refusal(f"`{name}` is an hour from 0 to 23 on your own clock, not {echoed(raw)}.")
    return int(raw)


def describe(choice: NudgeChoice | None, guild_on: bool) -> str:
    """What a member's nudges are, in words."""
    if not wants(choice, guild_on):
        why = "" if choice is not None else " (this server's default)"
        return f"Your nudges are off{why}. /nudges on turns them on."
    quiet = choice or NudgeChoice(user_id=0, quiet_start=QUIET_START, quiet_end=QUIET_END)
    why = "" if choice is not None else " (this server's default; /nudges off to stop them)"
    if quiet.quiet_start == quiet.quiet_end:
        hours = "at any hour"
    else:
        hours = f"never from {quiet.quiet_start:02d}:00 to {quiet.quiet_end:02d}:00 your time"
    return (
        f"Nudges are on{why}: on a day you usually play and have not answered, one DM when"
        f" your usual co-players are in, {hours}."
    )


def _nudges(context: Context) -> Nudges:
    if context.nudges is None:
        raise Refusal("Nudges are starting; try again in a moment.")
    return context.nudges


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/nudges on|off|show``."""
    nudges = _nudges(context)
    guild_id, user = interaction.guild_id, interaction.member.user_id
    guild_on = (await context.days.load(guild_id)).config.nudges
    match interaction.command.partition(" ")[2]:
        case "on":
            choice = NudgeChoice(
                user_id=user,
                quiet_start=_hour(interaction, "quiet_from", QUIET_START),
                quiet_end=_hour(interaction, "quiet_until", QUIET_END),
            )
            await nudges.choose(guild_id, choice)
            return private(describe(choice, guild_on))
        case "off":
            await nudges.choose(guild_id, NudgeChoice(user_id=user, wanted=False))
            return private("Your nudges are off.")
        case "show":
            return private(describe(await nudges.choice(guild_id, user), guild_on))
        case other:
            raise Refusal(f"Unknown /nudges action {echoed(other)}.")


async def button(context: Context, interaction: Interaction) -> InteractionResponse:
    """A nudge's "I'm in" button: put the member in that hour of today."""
    nudges = _nudges(context)
    pick = parse_button(interaction.custom_id)
    if pick is None:
        raise Refusal(NOT_A_NUDGE)
    user = interaction.member.user_id
    if pick.user_id != user:
        raise Refusal("That nudge was sent to someone else.")
    if user not in context.days.member_ids(pick.guild_id):
        raise Refusal("You are not a member of that server.")
    if not await nudges.sent_today(pick.guild_id, user, pick.day, interaction.message_id):
        raise Refusal("That nudge was not sent to you.")
    guild = await context.days.load(pick.guild_id)
    if guild.day != pick.day or not guild.message_id:
        raise Refusal("That nudge was about a day that is over.")
    slot = next((s for s in guild.slots() if s.hour == pick.hour), None)
    if slot is None:
        raise Refusal(NOT_A_NUDGE)
    if slot.start + 3600 <= context.clock.now():
        raise Refusal(f"The hour at <t:{int(slot.start)}:t> is over.")
    await context.days.pick(pick.guild_id, user, pick.hour)
    name = inert(context.days.guild_name(pick.guild_id))
    return private(
        f"You're in at <t:{int(slot.start)}:t> today in **{name}**: {context.days.link(guild)}"
        "\nChanged your mind? The daily message's 🚫 Not today takes it back."
    )


def _quiet(name: str, description: str) -> OptionSpec:
    return OptionSpec(name=name, description=description, kind="integer", min_value=0, max_value=23)


NUDGES = CommandSpec(
    name="nudges",
    description="A DM on days you usually play, when your usual co-players are in",
    ephemeral=True,
    subcommands=[
        sub(
            "on",
            "Nudge me on days I usually play and have not answered",
            _quiet("quiet_from", "No nudges from this hour, your time (default 23)"),
            _quiet("quiet_until", "... until this hour, your time (default 9)"),
        ),
        sub("off", "No nudges"),
        sub("show", "Show my nudges"),
    ],
)

COMMAND = Slash(spec=NUDGES, run=command)

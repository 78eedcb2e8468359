"""``/timezone``: members' own timezones, the local time of a member, and of a voice channel."""

from __future__ import annotations

import msgspec

from bus.protocol import (
    ActionRow,
    Choice,
    CommandSpec,
    Component,
    GetTimezones,
    GuildConfig,
    Interaction,
    InteractionResponse,
    MemberSchedule,
    OptionSpec,
    SchedulesReply,
    SetSchedule,
    SetTimezone,
    TimezonesReply,
)
from services.runtime.playtime import timezone_names
from services.scheduler.answers import (
    Context,
    Refusal,
    echoed,
    id_option,
    private,
    require_admin,
    text_option,
    update,
)
from services.scheduler.commands.schedule import member_clock
from services.scheduler.names import inert
from services.scheduler.roster import GuildView
from services.scheduler.slash import ZONE, Slash, sub
from services.scheduler.week import on_clock, week_text
from services.scheduler.zones import local_time, most_common, suggest

KEEP_LOCAL = "scheduler:tz:keep-local"
KEEP_COMMUNITY = "scheduler:tz:keep-community"
KEEP_ROWS = [
    ActionRow(
        components=[
            Component(custom_id=KEEP_LOCAL, label="Same local hours", style=1),
            Component(custom_id=KEEP_COMMUNITY, label="Same community hours", style=2),
        ]
    )
]


def _keep_question(stored: MemberSchedule, zone: str, config: GuildConfig) -> str:
    where = stored.zone or f"the community's time ({config.timezone})"
    return (
        f"Your usual hours in this server are saved in {where}. Keep the same local hours"
        f" (the same clock times, now in {zone}), or the same community hours (the hours"
        " the community plays them, read on your new clock)? Until you choose, they keep"
        " meaning what they meant."
    )


async def keep(context: Context, interaction: Interaction) -> InteractionResponse:
    """The answer to "same local or same community hours?" after a timezone change."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    now = context.clock.now()
    async with context.member_lock(guild.guild_id, user):
        clock = await member_clock(context, user)
        stored = guild.schedules.get(user)
        if not clock or stored is None or not stored.slots or stored.zone == clock:
            raise Refusal("Nothing to change: your usual hours are on your clock already.")
        if interaction.custom_id == KEEP_LOCAL:
            # The same clock times; hours saved on the community's clock are first read as
            # the community's local weekday and hour (its 01:00 after a Friday is Saturday's).
            base = stored
            if not stored.zone:
                base = on_clock(stored, guild.config.timezone, guild.config, now)
            moved = msgspec.structs.replace(base, zone=clock)
            said = "Kept your local hours"
        elif interaction.custom_id == KEEP_COMMUNITY:
            moved = on_clock(stored, clock, guild.config, now)
            said = "Kept the community hours"
        else:
            raise Refusal("That button is out of date.")
        await context.days.ask(
            "telemetry", SetSchedule(guild_id=guild.guild_id, schedule=moved), SchedulesReply
        )
        context.days.set_schedule(guild.guild_id, moved)
    return update(f"{said}.\n{week_text(moved, guild.config, now)}")


async def autocomplete(context: Context, interaction: Interaction) -> InteractionResponse:
    """Zone names matching what the member typed so far (at most 25)."""
    typed = interaction.options.get(interaction.focused, "")
    choices = [Choice(name=name, value=name) for name in suggest(typed)]
    return InteractionResponse(kind="autocomplete", choices=choices)


def _member(interaction: Interaction, view: GuildView, user: int) -> int:
    """``user``, when a member of this server: timezones are kept per person, across servers."""
    if user != interaction.member.user_id and view.members and user not in view.members:
        raise Refusal("That member is not in this server.")
    return user


def _zone(interaction: Interaction) -> str:
    name = text_option(interaction.options, "zone")
    if name in timezone_names():
        return name
    close = suggest(name, limit=3)
    hint = f" Did you mean {', '.join(close)}?" if close else " Pick one of the suggestions."
    raise Refusal(f"{echoed(name, initial=True)} is not a timezone.{hint}")


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/timezone set|set-for|show|voice``."""
    view = context.view(interaction)
    me = interaction.member.user_id
    now = context.clock.now()
    ask = context.days.ask

    def name_of(user: int) -> str:
        member = view.members.get(user)
        return inert(member.display_name) if member is not None else f"<@{user}>"

    match interaction.command.partition(" ")[2]:
        case "set":
            zone = _zone(interaction)
            await ask("telemetry", SetTimezone(user_id=me, timezone=zone), TimezonesReply)
            said = f"Your timezone is now {zone}: it is {local_time(now, zone)} there."
            guild = await context.days.load(interaction.guild_id)
            stored = guild.schedules.get(me)
            if stored is None or not stored.slots or stored.zone == zone:
                return private(said)
            return private(f"{said}\n\n{_keep_question(stored, zone, guild.config)}", KEEP_ROWS)
        case "set-for":
            require_admin(interaction, view)
            user = _member(interaction, view, id_option(interaction.options, "member"))
            zone = _zone(interaction)
            await ask("telemetry", SetTimezone(user_id=user, timezone=zone), TimezonesReply)
            return private(f"{name_of(user)}'s timezone is now {zone}.")
        case "show":
            user = _member(
                interaction, view, id_option(interaction.options, "member", required=False) or me
            )
            found = await ask("telemetry", GetTimezones(user_ids=[user]), TimezonesReply)
            saved = found.timezones.get(user)
            if saved is None:
                whose = "You have" if user == me else f"{name_of(user)} has"
                return private(f"{whose} not set a timezone yet (/timezone set).")
            return private(f"{name_of(user)}: {saved}, {local_time(now, saved)} now.")
        case "voice":
            channel = view.voice.get(me)
            if channel is None:
                raise Refusal("You are not in a voice channel.")
            users = view.in_channel(channel)
            found = await ask("telemetry", GetTimezones(user_ids=users), TimezonesReply)
            zones = found.timezones
            lines = [f"Local times in <#{channel}>:"]
            for user in sorted(users, key=lambda u: name_of(u).casefold()):
                known = zones.get(user)
                shown = f"{known}, {local_time(now, known)}" if known else "unknown"
                lines.append(f"• {name_of(user)}: {shown}")
            common = most_common(zones.get(u, "") for u in users if u in zones)
            if common is not None:
                lines.append(f"Most common: {common}")
            return private("\n".join(lines))
        case other:
            raise Refusal(f"Unknown /timezone action {echoed(other)}.")


TIMEZONE = CommandSpec(
    name="timezone",
    description="Members' timezones",
    ephemeral=True,
    subcommands=[
        sub("set", "Set your timezone", ZONE),
        sub(
            "set-for",
            "Set a member's timezone (admins)",
            OptionSpec(name="member", description="The member", kind="user", required=True),
            ZONE,
        ),
        sub(
            "show",
            "Show a member's timezone and local time",
            OptionSpec(name="member", description="The member (default: you)", kind="user"),
        ),
        sub("voice", "Local time of everyone in your voice channel"),
    ],
)

COMMAND = Slash(spec=TIMEZONE, run=command, complete=autocomplete)

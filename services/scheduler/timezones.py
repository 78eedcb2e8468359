"""``/timezone``: members' own timezones, the local time of a member, and of a voice channel."""

from __future__ import annotations

from bus.protocol import (
    Choice,
    GetTimezones,
    Interaction,
    InteractionResponse,
    SetTimezone,
    TimezonesReply,
)
from services.runtime.playtime import timezone_names
from services.scheduler.answers import (
    Context,
    Refusal,
    id_option,
    private,
    require_admin,
    text_option,
)
from services.scheduler.render import escape
from services.scheduler.roster import GuildView
from services.scheduler.zones import local_time, most_common, suggest


def autocomplete(interaction: Interaction) -> InteractionResponse:
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
    raise Refusal(f"{name!r} is not a timezone.{hint}")


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/timezone set|set-for|show|voice``."""
    view = context.view(interaction)
    me = interaction.member.user_id
    now = context.clock.now()
    ask = context.days.ask

    def name_of(user: int) -> str:
        member = view.members.get(user)
        return escape(member.display_name) if member is not None else f"<@{user}>"

    match interaction.command.partition(" ")[2]:
        case "set":
            zone = _zone(interaction)
            await ask("telemetry", SetTimezone(user_id=me, timezone=zone), TimezonesReply)
            return private(f"Your timezone is now {zone}: it is {local_time(now, zone)} there.")
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
            raise Refusal(f"Unknown /timezone action {other!r}.")

"""``/config``: the admins' setup of a server, saved in telemetry, shown back in plain words."""

from __future__ import annotations

from collections.abc import Callable

from bus.protocol import (
    Choice,
    CommandSpec,
    GuildConfig,
    GuildConfigReply,
    Interaction,
    InteractionResponse,
    OptionSpec,
)
from bus.protocol import SetGuildConfig as SaveConfig
from services.runtime.playtime import MAX_QUORUM, MAX_WINDOW_HOURS, MIN_QUORUM
from services.scheduler import settings
from services.scheduler.answers import Context, Refusal, private, require_admin
from services.scheduler.commands.timezone import autocomplete
from services.scheduler.daily import GuildDay
from services.scheduler.names import inert
from services.scheduler.render import shown_emoji
from services.scheduler.roster import GuildView
from services.scheduler.settings import WEEK_POST_OFF, WEEKDAY_VALUES
from services.scheduler.slash import ZONE, Slash, sub
from services.scheduler.slots import due_day, hour_emoji, next_post, posts_after_window


def _too_late(config: GuildConfig) -> str:
    """Why a post time after the window is refused, and what to do instead."""
    start, end = config.window_start, config.window_start + config.window_hours
    return (
        f"A daily message at {config.post_time} would come after the play window"
        f" ({start:02d}:00-{end % 24:02d}:00) is over: every hour would have passed."
        f" Pick a post time before {end % 24:02d}:00 (/config time), or a window that"
        " ends later (/config window)."
    )


def describe(config: GuildConfig, view: GuildView) -> str:
    """The setup in plain words."""

    def channel(channel_id: int) -> str:
        return f"<#{channel_id}>" if channel_id else "not set"

    last = (config.window_start + config.window_hours) % 24
    ranks = ", ".join(
        f"{shown_emoji(emoji)} {inert(view.roles[role].name) if role in view.roles else role}"
        for role, emoji in sorted(config.rank_emoji.items())
    )
    voice = ", ".join(channel(c) for c in config.voice_channel_ids)
    return "\n".join(
        [
            "**squadtime setup**",
            f"Daily message: {channel(config.channel_id)}"
            f" at {config.post_time} ({config.timezone})",
            f"Play window: {config.window_start:02d}:00 to {last:02d}:00,"
            f" {config.window_hours} hours: {' '.join(map(shown_emoji, hour_emoji(config)))}",
            f"Counted voice channels: {voice or 'none'}",
            f"Rank emoji: {ranks or 'none'}",
            f"Voice greetings: {'on' if config.greetings else 'off'}",
            f"Enough-players calls: {_quorum(config, channel)}",
            f"Discord events for those hours: {'on' if config.events else 'off'}",
            f"Voice channel status naming their squad: {'on' if config.voice_status else 'off'}",
            f"Nudges: {_nudges(config)}",
            f"Who was there, on the dashboard for moderators: {_there(config)}",
            f"Week-ahead post: {_week_post(config)}",
        ]
    )


def _week_post(config: GuildConfig) -> str:
    if config.week_post_day < 0:
        return "off"
    day = WEEKDAY_VALUES[config.week_post_day].capitalize()
    return f"{day}s at {config.week_post_time} ({config.timezone}), in the daily channel"


def _there(config: GuildConfig) -> str:
    return "shown" if config.reliability else "hidden (each member sees their own only)"


def _nudges(config: GuildConfig) -> str:
    if config.nudges:
        return "on for every member who has not turned them off"
    return "only for members who turned them on (/nudges on)"


def _quorum(config: GuildConfig, channel: Callable[[int], str]) -> str:
    if not config.quorum_size:
        return "off"
    where = channel(config.quorum_channel_id) if config.quorum_channel_id else "the daily channel"
    return f"from {config.quorum_size} players, in {where}"


async def configure(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/config <subcommand>``: show, post now, or save one change (``settings``)."""
    view = context.view(interaction)
    require_admin(interaction, view)
    sub = interaction.command.partition(" ")[2]
    guild = await context.days.load(interaction.guild_id)
    match sub:
        case "show":
            return private(describe(guild.config, view))
        case "post-now":
            return await _post_now(context, interaction.guild_id)
        case _:
            options, guild_id = interaction.options, interaction.guild_id
            new = settings.changed(sub, guild.config, options, view, guild_id)
            return await _save(context, sub, guild, new, view)


async def _post_now(context: Context, guild_id: int) -> InteractionResponse:
    """``/config post-now``: today's message now, or a link to the one already posted."""
    try:
        posted, link = await context.days.post_now(guild_id)
    except LookupError as error:
        raise Refusal(f"Cannot post: {error}.") from None
    return private(
        f"Posted today's message: {link}"
        if posted
        else f"Today's message is already posted: {link}"
    )


async def _save(
    context: Context, sub: str, guild: GuildDay, new: GuildConfig, view: GuildView
) -> InteractionResponse:
    """Save ``new`` in telemetry and say what it means for today's message."""
    if sub in ("time", "window") and posts_after_window(new):
        raise Refusal(_too_late(new))
    saved = await context.days.ask("telemetry", SaveConfig(config=new), GuildConfigReply)
    context.days.set_config(saved.config)
    later = ""
    if sub in ("window", "timezone") and guild.message_id:
        later = "\nToday's message keeps its hours: this applies from the next daily message."
    elif sub == "channel" and saved.config.channel_id:
        # Setting the channel is what starts the daily message: say when it comes.
        now = context.clock.now()
        due = due_day(now, saved.config)
        if due is None:
            later = f"\nThe next daily message is posted <t:{int(next_post(now, saved.config))}:R>."
        elif guild.day != due:
            later = "\nToday's message is posted now."
    return private(f"Saved.{later}\n{describe(saved.config, view)}")


CONFIG = CommandSpec(
    name="config",
    description="Set up squadtime for this server",
    admin=True,
    ephemeral=True,
    subcommands=[
        sub("show", "Show the current setup"),
        sub(
            "channel",
            "Where the daily message is posted",
            OptionSpec(name="channel", description="A text channel", kind="channel", required=True),
        ),
        sub(
            "time",
            "When the daily message is posted (community time)",
            OptionSpec(name="time", description="HH:MM, e.g. 18:00", required=True),
        ),
        sub("timezone", "The community's timezone", ZONE),
        sub(
            "window",
            "The hours members can pick (community time)",
            OptionSpec(
                name="start",
                description="First hour, 0-23",
                kind="integer",
                required=True,
                min_value=0,
                max_value=23,
            ),
            OptionSpec(
                name="hours",
                description=f"How many hours, 1-{MAX_WINDOW_HOURS}",
                kind="integer",
                required=True,
                min_value=1,
                max_value=MAX_WINDOW_HOURS,
            ),
            OptionSpec(
                name="emoji",
                description="One emoji per hour, separated by spaces (default: letters)",
            ),
        ),
        sub(
            "voice",
            "Count (or stop counting) a voice channel",
            OptionSpec(
                name="channel", description="A voice channel", kind="channel", required=True
            ),
            OptionSpec(name="counted", description="Count it?", kind="boolean", required=True),
        ),
        sub(
            "rank",
            "Show an emoji before the names of a role's members",
            OptionSpec(name="role", description="The role", kind="role", required=True),
            OptionSpec(name="emoji", description="The emoji; leave out to remove"),
        ),
        sub(
            "greetings",
            "Voice greetings on or off",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        sub(
            "quorum",
            "Call the players when an hour has enough of them",
            OptionSpec(
                name="size",
                description=(
                    f"Members in an hour for a call, {MIN_QUORUM}-{MAX_QUORUM} (0: no calls)"
                ),
                kind="integer",
                required=True,
                min_value=0,
                max_value=MAX_QUORUM,
            ),
            OptionSpec(
                name="channel", description="Where (default: the daily channel)", kind="channel"
            ),
        ),
        sub(
            "events",
            "A Discord event for each hour with enough players",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        sub(
            "voice-status",
            "Name the squad in the voice channel's status during hours with enough players",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        sub(
            "nudges",
            "Nudges for members who chose neither /nudges on nor off",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        # The 13th of /config's subcommands: Discord allows a command 25 options, each
        # subcommand being one (limits as listed in discord.net's guide to subcommands,
        # https://docs.discordnet.dev/guides/int_basics/application-commands/slash-commands/subcommands.html).
        sub(
            "reliability",
            "Show moderators who was there in the hours members planned",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        sub(
            "week-post",
            "Post the week ahead in the daily channel each week (or stop)",
            OptionSpec(
                name="day",
                description="The day it is posted on, or off",
                required=True,
                # Eight of the 25 choices Discord allows an option (Application Commands,
                # "Application Command Option Structure": choices, max of 25).
                choices=[
                    *(Choice(name=day.capitalize(), value=day) for day in WEEKDAY_VALUES),
                    Choice(name="Off", value=WEEK_POST_OFF),
                ],
            ),
            OptionSpec(name="time", description="HH:MM, community time (e.g. 18:00)"),
        ),
        sub("post-now", "Post today's message now"),
        sub("reset", "Forget this server's setup (schedules and timezones stay)"),
    ],
)

COMMAND = Slash(spec=CONFIG, run=configure, complete=autocomplete)

"""The scheduler's slash commands, as it describes them to the gateway.

``/config`` is for admins (Manage Server): Discord hides it from others through
``default_member_permissions`` and the scheduler checks the member's permissions again.
Discord sets permissions per top-level command, so ``/timezone set-for`` (admin) sits
under the everyone-command ``/timezone`` and is guarded by the scheduler's check alone.
"""

from __future__ import annotations

from bus.protocol import Choice, CommandSpec, OptionSpec, SubcommandSpec
from services.runtime.playtime import (
    DEFAULT_REMINDER,
    MAX_AWAY_NOTE,
    MAX_QUORUM,
    MAX_REMINDER,
    MAX_WINDOW_HOURS,
    MIN_QUORUM,
    MIN_REMINDER,
)
from services.scheduler.settings import WEEK_POST_OFF, WEEKDAY_VALUES

ZONE = OptionSpec(
    name="zone", description="IANA timezone, e.g. Europe/Paris", required=True, autocomplete=True
)


def _sub(name: str, description: str, *options: OptionSpec) -> SubcommandSpec:
    return SubcommandSpec(name=name, description=description, options=list(options))


CONFIG = CommandSpec(
    name="config",
    description="Set up squadtime for this server",
    admin=True,
    ephemeral=True,
    subcommands=[
        _sub("show", "Show the current setup"),
        _sub(
            "channel",
            "Where the daily message is posted",
            OptionSpec(name="channel", description="A text channel", kind="channel", required=True),
        ),
        _sub(
            "time",
            "When the daily message is posted (community time)",
            OptionSpec(name="time", description="HH:MM, e.g. 18:00", required=True),
        ),
        _sub("timezone", "The community's timezone", ZONE),
        _sub(
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
        _sub(
            "voice",
            "Count (or stop counting) a voice channel",
            OptionSpec(
                name="channel", description="A voice channel", kind="channel", required=True
            ),
            OptionSpec(name="counted", description="Count it?", kind="boolean", required=True),
        ),
        _sub(
            "rank",
            "Show an emoji before the names of a role's members",
            OptionSpec(name="role", description="The role", kind="role", required=True),
            OptionSpec(name="emoji", description="The emoji; leave out to remove"),
        ),
        _sub(
            "greetings",
            "Voice greetings on or off",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        _sub(
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
        _sub(
            "events",
            "A Discord event for each hour with enough players",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        _sub(
            "voice-status",
            "Name the squad in the voice channel's status during hours with enough players",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        _sub(
            "nudges",
            "Nudges for members who chose neither /nudges on nor off",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        # The 13th of /config's subcommands: Discord allows a command 25 options, each
        # subcommand being one (limits as listed in discord.net's guide to subcommands,
        # https://docs.discordnet.dev/guides/int_basics/application-commands/slash-commands/subcommands.html).
        _sub(
            "reliability",
            "Show moderators who was there in the hours members planned",
            OptionSpec(name="enabled", description="On?", kind="boolean", required=True),
        ),
        _sub(
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
        _sub("post-now", "Post today's message now"),
        _sub("reset", "Forget this server's setup (schedules and timezones stay)"),
    ],
)

SCHEDULE = CommandSpec(
    name="schedule",
    description="Your usual playing hours",
    ephemeral=True,
    subcommands=[
        _sub("edit", "Pick your usual hours, day by day"),
        _sub("show", "Show your usual hours"),
        _sub("clear", "Forget your usual hours"),
    ],
)

TIMEZONE = CommandSpec(
    name="timezone",
    description="Members' timezones",
    ephemeral=True,
    subcommands=[
        _sub("set", "Set your timezone", ZONE),
        _sub(
            "set-for",
            "Set a member's timezone (admins)",
            OptionSpec(name="member", description="The member", kind="user", required=True),
            ZONE,
        ),
        _sub(
            "show",
            "Show a member's timezone and local time",
            OptionSpec(name="member", description="The member (default: you)", kind="user"),
        ),
        _sub("voice", "Local time of everyone in your voice channel"),
    ],
)

REMIND = CommandSpec(
    name="remind",
    description="A reminder before the hours you play",
    ephemeral=True,
    subcommands=[
        _sub(
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
        _sub("off", "No more reminders"),
        _sub("show", "Show my reminders"),
    ],
)


def _quiet(name: str, description: str) -> OptionSpec:
    return OptionSpec(name=name, description=description, kind="integer", min_value=0, max_value=23)


NUDGES = CommandSpec(
    name="nudges",
    description="A DM on days you usually play, when your usual co-players are in",
    ephemeral=True,
    subcommands=[
        _sub(
            "on",
            "Nudge me on days I usually play and have not answered",
            _quiet("quiet_from", "No nudges from this hour, your time (default 23)"),
            _quiet("quiet_until", "... until this hour, your time (default 9)"),
        ),
        _sub("off", "No nudges"),
        _sub("show", "Show my nudges"),
    ],
)

AWAY = CommandSpec(
    name="away",
    description="Days your usual hours do not count",
    ephemeral=True,
    subcommands=[
        _sub(
            "set",
            "Say you are away from one day to another (your time)",
            OptionSpec(
                name="from",
                description="Your first day away, e.g. 2026-07-14",
                required=True,
                autocomplete=True,
            ),
            OptionSpec(
                name="until",
                description="Your last day away (included)",
                required=True,
                autocomplete=True,
            ),
            OptionSpec(name="note", description=f"A word on why, up to {MAX_AWAY_NOTE} characters"),
        ),
        _sub("show", "Show when you are away"),
        _sub(
            "cancel",
            "Take an absence back",
            OptionSpec(
                name="from",
                description="Its first day (default: your current or next one)",
                autocomplete=True,
            ),
        ),
    ],
)


def _day(description: str) -> OptionSpec:
    return OptionSpec(name="day", description=description, required=True, autocomplete=True)


PLAN = CommandSpec(
    name="plan",
    description="Hours you will play on another of the next 14 days",
    ephemeral=True,
    subcommands=[
        _sub("set", "Pick your hours on a day (your time)", _day("The day, e.g. 2026-07-14")),
        _sub("show", "Show the hours you planned"),
        _sub("cancel", "Clear the hours you planned on a day", _day("The day to clear")),
    ],
)

WEEK = CommandSpec(
    name="week",
    description="Who plays in the next 7 days, in your time",
    ephemeral=True,
)

COMMANDS = [CONFIG, SCHEDULE, TIMEZONE, REMIND, NUDGES, AWAY, PLAN, WEEK]

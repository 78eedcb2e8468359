"""``/config``: the admins' setup of a server, saved in telemetry, shown back in plain words."""

from __future__ import annotations

import re
from collections.abc import Callable

import emoji as unicode_emoji
import msgspec

from bus.protocol import (
    ChannelType,
    GuildConfig,
    GuildConfigReply,
    Interaction,
    InteractionResponse,
)
from bus.protocol import SetGuildConfig as SaveConfig
from services.runtime.playtime import MAX_QUORUM, MAX_WINDOW_HOURS, MIN_QUORUM, timezone_names
from services.scheduler.answers import (
    Context,
    Refusal,
    bool_option,
    echoed,
    id_option,
    int_option,
    private,
    require_admin,
    text_option,
)
from services.scheduler.names import inert
from services.scheduler.render import shown_emoji
from services.scheduler.roster import TEXT_CHANNELS, VOICE_CHANNELS, GuildView
from services.scheduler.slots import due_day, hour_emoji, next_post, posts_after_window

_TIME = re.compile(r"([01]?\d|2[0-3])[:h.]([0-5]\d)")
_CUSTOM_EMOJI = re.compile(r"<a?:(\w{2,32}):(\d{1,20})>")
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F1FF + 1)  # 🇦 .. 🇿: Discord's letter emoji


def _too_late(config: GuildConfig) -> str:
    """Why a post time after the window is refused, and what to do instead."""
    start, end = config.window_start, config.window_start + config.window_hours
    return (
        f"A daily message at {config.post_time} would come after the play window"
        f" ({start:02d}:00-{end % 24:02d}:00) is over: every hour would have passed."
        f" Pick a post time before {end % 24:02d}:00 (/config time), or a window that"
        " ends later (/config window)."
    )


def parse_time(text: str) -> str:
    """``9:30``, ``09:30``, ``9h30`` -> ``09:30``."""
    found = _TIME.fullmatch(text.strip())
    if found is None:
        raise Refusal(f"{echoed(text, initial=True)} is not a time: use HH:MM, e.g. 18:00.")
    return f"{int(found[1]):02d}:{found[2]}"


def parse_emoji(token: str) -> str:
    """One emoji as typed in Discord: unicode as is, ``<:name:id>`` as ``name:id``."""
    custom = _CUSTOM_EMOJI.fullmatch(token)
    if custom is not None:
        return f"{custom[1]}:{custom[2]}"
    # Discord refuses a reaction that is not one of Unicode's emoji (10014 Unknown Emoji).
    letter = len(token) == 1 and ord(token) in _REGIONAL_INDICATORS
    if not (letter or unicode_emoji.is_emoji(token)):
        raise Refusal(f"{echoed(token, initial=True)} is not an emoji.")
    return token


def parse_hour_emoji(text: str, hours: int) -> list[str]:
    """One distinct emoji per hour, separated by spaces; empty text means the default letters."""
    if not text.strip():
        return []
    emoji = [parse_emoji(token) for token in text.split()]
    if len(emoji) != hours:
        raise Refusal(f"Give {hours} emoji, one per hour of the window, not {len(emoji)}.")
    if len(set(emoji)) != len(emoji):
        raise Refusal("Each hour needs a different emoji.")
    return emoji


def the_guilds_own(emoji: list[str], view: GuildView) -> list[str]:
    """The hour emoji, each custom one checked against the guild's own and named as the guild
    names it (reactions come back under that name).

    Discord refuses a reaction with a custom emoji it does not know (10014 Unknown Emoji), and
    one of another server is no better: it takes USE_EXTERNAL_EMOJIS ("Allows the usage of
    custom emojis from other servers", Discord's docs, Permissions) and, for a member, Discord
    Nitro, so most members could not click that hour.
    """
    custom = [e for e in emoji if ":" in e]
    if not custom:
        return emoji
    if view.emojis is None:
        raise Refusal("I do not know this server's emoji yet: try again in a moment.")
    named: dict[str, str] = {}
    for text in custom:
        name, _, emoji_id = text.rpartition(":")
        known = view.emojis.get(int(emoji_id))
        if known is None:
            raise Refusal(
                f"<:{name}:{emoji_id}> is not an emoji of this server: use the server's own"
                " emoji or standard ones, so that members can click them."
            )
        if not known.available:
            raise Refusal(
                f"<:{known.name}:{emoji_id}> cannot be used in this server any more"
                " (it went with the server's boosts)."
            )
        named[text] = f"{known.name}:{known.emoji_id}"
    return [named.get(e, e) for e in emoji]


def own_channel(
    view: GuildView, channel_id: int, kinds: frozenset[ChannelType], wrong_kind: str
) -> int:
    """``channel_id`` when it is one of this server's channels of ``kinds``, else a refusal
    (``wrong_kind`` when it is a channel of the server, of another kind).

    Discord's client offers only the server's own channels, but a client can send any id,
    and the resolved channel in an interaction does not name its server (Discord's docs,
    Interactions: a resolved channel is partial, "id, name, type and permissions"). The
    roster is the only reference, so a channel it does not know is refused, even when it
    knows no channel of this server yet (a server whose snapshot has not arrived): "Saved."
    for another server's channel would post this server's daily message over there.
    """
    found = view.channels.get(channel_id)
    if found is None:
        if not view.channels:
            raise Refusal("I do not know this server's channels yet: try again in a moment.")
        raise Refusal("That channel is not in this server.")
    if found.kind not in kinds:
        raise Refusal(wrong_kind)
    return channel_id


def own_role(view: GuildView, role_id: int) -> int:
    """``role_id`` when it is one of this server's roles (see ``own_channel``)."""
    if role_id not in view.roles:
        if not view.roles:
            raise Refusal("I do not know this server's roles yet: try again in a moment.")
        raise Refusal("That role is not in this server.")
    return role_id


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
            f"Nudges: {_nudges(config)}",
            f"Who was there, on the dashboard for moderators: {_there(config)}",
        ]
    )


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
    """Answer ``/config <subcommand>``."""
    view = context.view(interaction)
    require_admin(interaction, view)
    sub = interaction.command.partition(" ")[2]
    options = interaction.options
    guild = await context.days.load(interaction.guild_id)
    config = guild.config
    replace = msgspec.structs.replace
    match sub:
        case "show":
            return private(describe(config, view))
        case "post-now":
            try:
                posted, link = await context.days.post_now(interaction.guild_id)
            except LookupError as error:
                raise Refusal(f"Cannot post: {error}.") from None
            return private(
                f"Posted today's message: {link}"
                if posted
                else f"Today's message is already posted: {link}"
            )
        case "channel":
            channel = own_channel(
                view,
                id_option(options, "channel"),
                TEXT_CHANNELS,
                "The daily message needs a text channel.",
            )
            new = replace(config, channel_id=channel)
        case "time":
            new = replace(config, post_time=parse_time(text_option(options, "time")))
        case "timezone":
            name = text_option(options, "zone")
            if name not in timezone_names():
                raise Refusal(
                    f"{echoed(name, initial=True)} is not a timezone: pick one of the suggestions."
                )
            new = replace(config, timezone=name)
        case "window":
            start = int_option(options, "start", 0, 23)
            hours = int_option(options, "hours", 1, MAX_WINDOW_HOURS)
            emoji = the_guilds_own(parse_hour_emoji(options.get("emoji", ""), hours), view)
            new = replace(config, window_start=start, window_hours=hours, hour_emoji=emoji)
        case "voice":
            channel = id_option(options, "channel")
            counted = set(config.voice_channel_ids)
            if bool_option(options, "counted"):
                counted.add(
                    own_channel(view, channel, VOICE_CHANNELS, "That is not a voice channel.")
                )
            else:
                counted.discard(channel)  # even a channel deleted since: it stops counting
            new = replace(config, voice_channel_ids=sorted(counted))
        case "rank":
            role = id_option(options, "role")
            ranks = dict(config.rank_emoji)
            if raw := text_option(options, "emoji", required=False):
                ranks[own_role(view, role)] = parse_emoji(raw)
            else:
                ranks.pop(role, None)  # even a role deleted since: its emoji goes
            new = replace(config, rank_emoji=ranks)
        case "greetings":
            new = replace(config, greetings=bool_option(options, "enabled"))
        case "quorum":
            size = int_option(options, "size", 0, MAX_QUORUM)
            if 0 < size < MIN_QUORUM:
                raise Refusal(f"A call needs {MIN_QUORUM} players at least (0 turns calls off).")
            where = id_option(options, "channel", required=False)
            if where:
                own_channel(view, where, TEXT_CHANNELS, "Calls need a text channel.")
            new = replace(config, quorum_size=size, quorum_channel_id=where)
        case "events":
            enabled = bool_option(options, "enabled")
            if enabled and not config.voice_channel_ids:
                raise Refusal(
                    "Count a voice channel first (/config voice): the events take place there."
                )
            new = replace(config, events=enabled)
        case "nudges":
            new = replace(config, nudges=bool_option(options, "enabled"))
        case "reliability":
            new = replace(config, reliability=bool_option(options, "enabled"))
        case "reset":
            new = GuildConfig(guild_id=interaction.guild_id)
        case _:
            raise Refusal(f"Unknown setting {echoed(sub)}.")
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

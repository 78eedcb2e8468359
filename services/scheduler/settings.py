"""What each ``/config`` subcommand changes, its values checked against the server.

Each change is a pure function from the saved configuration and the command's options to
the new configuration, or a ``Refusal`` in words an admin can act on. ``admin.configure``
saves the result; nothing here talks to the bus.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import emoji as unicode_emoji
import msgspec

from bus.protocol import ChannelType, GuildConfig
from services.runtime.playtime import MAX_QUORUM, MAX_WINDOW_HOURS, MIN_QUORUM, timezone_names
from services.scheduler.answers import (
    Refusal,
    bool_option,
    echoed,
    id_option,
    int_option,
    text_option,
)
from services.scheduler.roster import TEXT_CHANNELS, VOICE_CHANNELS, GuildView

Options = Mapping[str, str]

WEEKDAY_VALUES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""``/config week-post``'s days, as its choices send them (0 Monday, as ``datetime``)."""
WEEK_POST_OFF = "off"

_TIME = re.compile(r"([01]?\d|2[0-3])[:h.]([0-5]\d)")
_CUSTOM_EMOJI = re.compile(r"<a?:(\w{2,32}):(\d{1,20})>")
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F1FF + 1)  # 🇦 .. 🇿: Discord's letter emoji
_replace = msgspec.structs.replace


def changed(
    sub: str, config: GuildConfig, options: Options, view: GuildView, guild_id: int
) -> GuildConfig:
    """The configuration after ``/config <sub>``; a Refusal for an unknown subcommand."""
    match sub:
        case "channel":
            return channel(config, options, view)
        case "time":
            return _replace(config, post_time=parse_time(text_option(options, "time")))
        case "timezone":
            return timezone(config, options)
        case "window":
            return window(config, options, view)
        case "voice":
            return voice(config, options, view)
        case "rank":
            return rank(config, options, view)
        case "greetings":
            return _replace(config, greetings=bool_option(options, "enabled"))
        case "quorum":
            return quorum(config, options, view)
        case "events":
            return events(config, options)
        case "nudges":
            return _replace(config, nudges=bool_option(options, "enabled"))
        case "voice-status":
            return voice_status(config, options)
        case "reliability":
            return _replace(config, reliability=bool_option(options, "enabled"))
        case "week-post":
            return week_post(config, options)
        case "reset":
            return GuildConfig(guild_id=guild_id)
        case _:
            raise Refusal(f"Unknown setting {echoed(sub)}.")


def channel(config: GuildConfig, options: Options, view: GuildView) -> GuildConfig:
    """``/config channel``: where the daily message is posted, a text channel of the server."""
    where = own_channel(
        view,
        id_option(options, "channel"),
        TEXT_CHANNELS,
        "The daily message needs a text channel.",
    )
    return _replace(config, channel_id=where)


def timezone(config: GuildConfig, options: Options) -> GuildConfig:
    """``/config timezone``: the community's zone, one of the names tzdata knows."""
    name = text_option(options, "zone")
    if name not in timezone_names():
        raise Refusal(
            f"{echoed(name, initial=True)} is not a timezone: pick one of the suggestions."
        )
    return _replace(config, timezone=name)


def window(config: GuildConfig, options: Options, view: GuildView) -> GuildConfig:
    """``/config window``: the play window's first hour, length and one emoji per hour."""
    start = int_option(options, "start", 0, 23)
    hours = int_option(options, "hours", 1, MAX_WINDOW_HOURS)
    emoji = the_guilds_own(parse_hour_emoji(options.get("emoji", ""), hours), view)
    return _replace(config, window_start=start, window_hours=hours, hour_emoji=emoji)


def voice(config: GuildConfig, options: Options, view: GuildView) -> GuildConfig:
    """``/config voice``: count a voice channel of the server, or stop counting one."""
    where = id_option(options, "channel")
    counted = set(config.voice_channel_ids)
    if bool_option(options, "counted"):
        counted.add(own_channel(view, where, VOICE_CHANNELS, "That is not a voice channel."))
    else:
        counted.discard(where)  # even a channel deleted since: it stops counting
    return _replace(config, voice_channel_ids=sorted(counted))


def rank(config: GuildConfig, options: Options, view: GuildView) -> GuildConfig:
    """``/config rank``: a role's rank emoji, or none when no emoji is given."""
    role = id_option(options, "role")
    ranks = dict(config.rank_emoji)
    if raw := text_option(options, "emoji", required=False):
        ranks[own_role(view, role)] = parse_emoji(raw)
    else:
        ranks.pop(role, None)  # even a role deleted since: its emoji goes
    return _replace(config, rank_emoji=ranks)


def quorum(config: GuildConfig, options: Options, view: GuildView) -> GuildConfig:
    """``/config quorum``: from how many players an hour is called, and in which channel."""
    size = int_option(options, "size", 0, MAX_QUORUM)
    if 0 < size < MIN_QUORUM:
        raise Refusal(f"A call needs {MIN_QUORUM} players at least (0 turns calls off).")
    where = id_option(options, "channel", required=False)
    if where:
        own_channel(view, where, TEXT_CHANNELS, "Calls need a text channel.")
    return _replace(config, quorum_size=size, quorum_channel_id=where)


def events(config: GuildConfig, options: Options) -> GuildConfig:
    """``/config events``: Discord events for called hours, which take place in voice."""
    enabled = bool_option(options, "enabled")
    if enabled and not config.voice_channel_ids:
        raise Refusal("Count a voice channel first (/config voice): the events take place there.")
    return _replace(config, events=enabled)


def week_post(config: GuildConfig, options: Options) -> GuildConfig:
    """``/config week-post``: the weekday and community time of the week-ahead post, or
    ``off``. Discord's client offers only the choices, but a client can send any text."""
    day = text_option(options, "day").casefold()
    if day == WEEK_POST_OFF:
        return _replace(config, week_post_day=-1)
    if day not in WEEKDAY_VALUES:
        raise Refusal(
            f"{echoed(day, initial=True)} is not a day: pick one of the suggestions"
            f" ({', '.join(WEEKDAY_VALUES)}, or {WEEK_POST_OFF})."
        )
    raw = text_option(options, "time", required=False)
    if not raw:
        raise Refusal("Please fill in `time`: when, on that day, the week ahead is posted.")
    return _replace(config, week_post_day=WEEKDAY_VALUES.index(day), week_post_time=parse_time(raw))


def voice_status(config: GuildConfig, options: Options) -> GuildConfig:
    """``/config voice-status``: the counted voice channel's status names an hour's squad,
    for the hours that reach the quorum."""
    enabled = bool_option(options, "enabled")
    if enabled and not config.voice_channel_ids:
        raise Refusal("Count a voice channel first (/config voice): its status names the squad.")
    if enabled and not config.quorum_size:
        raise Refusal(
            "Set a quorum first (/config quorum): the status is for hours with enough players."
        )
    return _replace(config, voice_status=enabled)


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

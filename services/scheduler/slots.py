"""The slots of a community day's play window, and its post times: pure time maths.

A community day has one slot per local hour of its window (see ``services.runtime.playtime``
for the window), each with the reaction members click for it.

Daylight saving: an hour skipped by a spring-forward has no slot that day (it never
happens on the wall clock), and an hour repeated by a fall-back has one slot, starting
at its first occurrence. Every function takes the instant it reasons about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bus.protocol import GuildConfig
from services.runtime import playtime
from services.runtime.playtime import MAX_WINDOW_HOURS, WindowHour, zone

DEFAULT_HOUR_EMOJI = tuple(chr(0x1F1E6 + n) for n in range(MAX_WINDOW_HOURS))  # 🇦 .. 🇹
"""Letters, not clock faces: readers see each hour in their own timezone, so a clock face
drawn in the community's time would show the wrong hour to half of them."""


@dataclass(frozen=True, slots=True)
class Slot(WindowHour):
    """One hour of a community day's window, with the reaction members click for it."""

    emoji: str


def hour_emoji(config: GuildConfig) -> list[str]:
    """The reaction of each hour of the window, in order."""
    return list(config.hour_emoji) or list(DEFAULT_HOUR_EMOJI[: config.window_hours])


def day_slots(day: date, config: GuildConfig) -> list[Slot]:
    """The slots of community day ``day``, in window order."""
    emoji = dict(zip(window_hours(config), hour_emoji(config), strict=True))
    return [Slot(h.hour, h.start, emoji[h.hour]) for h in playtime.window_of(day, config)]


def window_hours(config: GuildConfig) -> list[int]:
    """The local hours of the play window, in order."""
    return [(config.window_start + i) % 24 for i in range(config.window_hours)]


def next_hour_start(at: float, config: GuildConfig) -> float:
    """The first instant of the local hour after the one holding ``at``."""
    return playtime.hour_start(at, zone(config.timezone)) + 3600.0


def posts_after_window(config: GuildConfig) -> bool:
    """Whether the daily message would come when every hour of its window is over.

    A window that runs past midnight always ends after the day's post; one that ends the
    same day must end after the post time. (Posting *during* the window is fine: the hours
    still to come can be picked.)
    """
    hours, minutes = (int(part) for part in config.post_time.split(":"))
    window_end = (config.window_start + config.window_hours) * 60
    return window_end <= 24 * 60 and hours * 60 + minutes >= window_end


def post_instant(day: date, config: GuildConfig) -> float:
    """When community day ``day``'s message is due (a post time in a DST gap comes after it)."""
    hours, minutes = (int(part) for part in config.post_time.split(":"))
    tz = zone(config.timezone)
    wall = datetime.combine(day, time(hours, minutes))
    return wall.replace(tzinfo=tz).timestamp()


def community_date(at: float, config: GuildConfig) -> date:
    """The local date of ``at`` in the community's timezone."""
    return playtime.community_date(at, zone(config.timezone))


def due_day(at: float, config: GuildConfig) -> date | None:
    """The day whose message should exist at ``at``: today once its post time has passed."""
    today = community_date(at, config)
    return today if at >= post_instant(today, config) else None


def next_post(at: float, config: GuildConfig) -> float:
    """The next post instant strictly after ``at``."""
    today = community_date(at, config)
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        instant = post_instant(day, config)
        if instant > at:
            return instant
    raise AssertionError("a post time recurs every day")  # pragma: no cover

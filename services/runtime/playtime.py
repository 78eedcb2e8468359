"""The community's play time, as the scheduler and the voice service both reason about it.

Pure rules, with the instant always passed in:

- **Zones.** A community has an IANA timezone; a name that tzdata no longer knows means UTC.
- **The play window.** Community day ``D``'s window starts at local hour ``window_start`` of
  ``D`` and lasts ``window_hours`` hours, so it may run past midnight into ``D + 1``: a window
  from 22:00 for 4 hours holds 22, 23, 0 and 1. An hour is named by its local hour, unique
  within a window shorter than a day.
- **Who is in an hour.** A member is in when they are *in voice* then (that wins: they are
  playing), or *reacted* with the hour, or usually play then (their schedule for ``D``'s
  weekday) and did not take it back today, by removing the hour's reaction or with "Not
  today" (a cancelled ``schedule`` mark).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from bus.protocol import GuildConfig, MarkFacts


class How(StrEnum):
    """How a member is in an hour, strongest first (the values are mark sources)."""

    VOICE = "voice"
    REACTED = "reaction"
    SCHEDULED = "schedule"


STRENGTH = list(How)


@functools.cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA timezone name this machine knows, sorted."""
    return tuple(sorted(available_timezones()))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(timezone_names())


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; UTC for a name tzdata does not know (any more)."""
    return ZoneInfo(name) if name in _known() else ZoneInfo("UTC")


def window_hour(at: float, config: GuildConfig) -> tuple[date, int] | None:
    """The community day and local hour of the window holding ``at``; None outside windows."""
    local = datetime.fromtimestamp(at, zone(config.timezone))
    for days_back in (0, 1):
        offset = days_back * 24 + local.hour
        if config.window_start <= offset < config.window_start + config.window_hours:
            return local.date() - timedelta(days=days_back), local.hour
    return None


def players(hour: int, marks: Iterable[MarkFacts], usual: Iterable[int]) -> dict[int, How]:
    """Who is in local ``hour`` of a day, and how: ``marks`` are the day's, ``usual`` the
    members whose schedule holds the hour."""
    ways: dict[int, set[How]] = {}
    taken_back: set[int] = set()
    for mark in marks:
        if mark.hour != hour:
            continue
        if mark.source == How.SCHEDULED:
            # Schedule marks only take usual hours back ("Not today") or give them back.
            if mark.cancelled:
                taken_back.add(mark.user_id)
        elif mark.cancelled:
            if mark.source == How.REACTED:
                taken_back.add(mark.user_id)
        else:
            ways.setdefault(mark.user_id, set()).add(How(mark.source))
    for user in usual:
        if user not in taken_back:
            ways.setdefault(user, set()).add(How.SCHEDULED)
    return {user: min(found, key=STRENGTH.index) for user, found in ways.items()}

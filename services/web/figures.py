"""How every page writes a figure: one number format, and times with their zone.

Hours carry one decimal and their unit everywhere ("9.4 h"), so that a total on the
members' table and the same member's on their own page read alike; a moment names its
timezone, since moderators and members may live in other zones than the community's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.runtime.playtime import MARK_MEANINGS, MARKS, MAYBE, MAYBE_MARK, MAYBE_MEANING, How

MARK_OF: dict[str, str] = {str(how): mark for how, mark in MARKS.items()} | {MAYBE: MAYBE_MARK}
"""Each way of being in an hour (and a maybe) as the daily message marks it."""
MEANING_OF: dict[str, str] = {str(how): text for how, text in MARK_MEANINGS.items()} | {
    MAYBE: MAYBE_MEANING
}
"""What each of those marks means, for the pages' titles."""
LEGEND: list[tuple[str, str]] = [(MARKS[how], MARK_MEANINGS[how]) for how in How] + [
    (MAYBE_MARK, MAYBE_MEANING)
]
"""The marks and their meanings, in the order the pages' legends show them."""


def hours(value: float) -> str:
    """Hours as the dashboard writes them: ``9.4 h``."""
    return f"{value:.1f} h"


def moment(seconds: float, zone: ZoneInfo) -> str:
    """An instant in ``zone``, with the zone's abbreviation: ``Tue 10 Mar 19:05 CET``;
    "never" for 0 (no such instant)."""
    if not seconds:
        return "never"
    return f"{datetime.fromtimestamp(seconds, zone):%a %d %b %H:%M %Z}"


def day(iso: str) -> str:
    """A community date as people read it: ``Tuesday 10 March 2026``."""
    when = datetime.fromisoformat(iso)
    return f"{when:%A} {when.day} {when:%B %Y}"


def week(first_iso: str) -> str:
    """A 7-day block from its first day: ``Tue 10 Mar to Mon 16 Mar``."""
    first = date.fromisoformat(first_iso)
    last = first + timedelta(days=6)
    return f"{first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b}"


def initials(name: str) -> str:
    """What stands for a server without an icon, as Discord draws it: the first letters of
    its first words (``Night Owls`` is ``NO``)."""
    letters = [word[0] for word in name.split() if word[:1].isalnum()]
    return "".join(letters[:3]).upper() or "?"

"""The daily message's text, from who is in each hour: pure, and always within Discord's limit.

Hour labels are Discord timestamps (``<t:UNIX:t>``) so every reader sees their own local
time. The last line carries the community date in ISO form: after a crash the scheduler
recognises its own message by it (see ``daily.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from services.runtime.playtime import (
    MARK_MEANINGS,
    MARKS,
    MAYBE_MARK,
    MAYBE_MEANING,
    STRENGTH,
    How,
)
from services.scheduler.board import HourLine
from services.scheduler.names import inert, visible

MAX_CONTENT = 2000  # Discord's limit for a message's content

type Label = Callable[[int], tuple[str, str]]
"""A member's (rank emoji or "", display name)."""


def shown_emoji(emoji: str) -> str:
    """An emoji as message text: a custom one (stored ``name:id``, as reactions name it)
    becomes ``<:name:id>``, which Discord draws as the picture."""
    return f"<:{emoji}>" if ":" in emoji else emoji


def day_marker(day: date) -> str:
    """The last line's start, which names the community day."""
    return f"-# squadtime · {day.isoformat()}"


def header(day: date) -> str:
    """The message's title line."""
    return f"## Who plays today? {day:%A} {day.day} {day:%B}"


def _player(user: int, how: How | None, label: Label) -> str:
    """A member as a line names them: rank, name, and their mark (``None``: maybe)."""
    rank, name = label(user)
    shown = f"{shown_emoji(rank)} {inert(name)}" if rank else inert(name)
    return f"{shown} {MARKS[how] if how is not None else MAYBE_MARK}"


def _hour(line: HourLine, label: Label, limit: int | None) -> str:
    start = f"{shown_emoji(line.slot.emoji)} <t:{int(line.slot.start)}:t>"
    if not line.players and not line.maybes:
        return f"{start} · nobody yet"

    def by_name(user: int) -> str:
        return visible(label(user)[1]).casefold()

    ordered: list[tuple[int, How | None]] = [
        *sorted(line.players, key=lambda p: (STRENGTH.index(p[1]), by_name(p[0]))),
        # Maybes after every member who is in: the count and the order both say who is sure.
        *((user, None) for user in sorted(line.maybes, key=by_name)),
    ]
    shown = ordered if limit is None else ordered[:limit]
    names = ", ".join(_player(user, how, label) for user, how in shown)
    more = len(ordered) - len(shown)
    if more:
        names = f"{names} +{more} more" if names else f"+{more} more"
    count = f"**{len(line.players)}**"
    if line.maybes:
        count += f" + {len(line.maybes)} maybe"
    return f"{start} · {count} · {names}"


def daily_text(
    day: date, lines: Sequence[HourLine], label: Label, *, timezone: str, note: str = ""
) -> str:
    """The whole message; past 2,000 characters each hour names fewer members, then "+N more"."""

    shown = [How.REACTED, How.SCHEDULED, How.VOICE]
    used = {how for line in lines for _, how in line.players}
    shown += [how for how in (How.INTERESTED, How.PICKED) if how in used]  # only when used
    marks = [f"{MARKS[how]} {MARK_MEANINGS[how]}" for how in shown]
    if any(line.maybes for line in lines):
        marks.append(f"{MAYBE_MARK} {MAYBE_MEANING}")
    legend = "React with the hours you will play. " + " · ".join(marks)

    def compose(limit: int | None) -> str:
        parts = [
            header(day),
            legend,
            "",
            *(_hour(line, label, limit) for line in lines),
        ]
        if note:
            parts += ["", note]
        parts.append(f"{day_marker(day)} · {timezone} · times are shown in your own timezone")
        return "\n".join(parts)

    text = compose(None)
    if len(text) <= MAX_CONTENT:
        return text
    most = max((len(line.players) for line in lines), default=0)
    low, high = 0, most  # compose(low) fits: every name is then "+N more"
    while low < high:
        middle = (low + high + 1) // 2
        if len(compose(middle)) <= MAX_CONTENT:
            low = middle
        else:
            high = middle - 1
    return compose(low)

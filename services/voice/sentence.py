"""The greeting as one natural sentence: names, and hours in the community's timezone.

"Hi Alice! Bob and Carol are expected this hour, and Dave at 9 pm." Each person is named
once, at the first hour they are expected; hours read the way a speech synthesiser says
them well ("9 pm", "noon", "midnight").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.voice.expected import Hour


def spoken_hour(hour: int) -> str:
    """A local hour (0-23) as people say it."""
    if hour == 0:
        return "midnight"
    if hour == 12:
        return "noon"
    return f"{hour % 12} {'am' if hour < 12 else 'pm'}"


def names_list(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def greeting(
    greeted: str,
    hours: Sequence[Hour],
    expected: Mapping[Hour, set[int]],
    names: Mapping[int, str],
    *,
    now: Hour | None,
) -> str | None:
    """The sentence, or None when nobody (with a known name) is expected.

    ``now`` is the hour holding the present instant, said "this hour"; ``names`` holds who can
    be named (the greeted member and bots are left out by the caller).
    """
    said: set[int] = set()
    parts: list[str] = []
    for hour in hours:
        people = sorted(
            (u for u in expected.get(hour, set()) if u in names and u not in said),
            key=lambda u: names[u].casefold(),
        )
        if not people:
            continue
        said.update(people)
        when = "this hour" if hour == now else f"at {spoken_hour(hour.hour)}"
        who = names_list([names[u] for u in people])
        verb = "is" if len(people) == 1 else "are"
        parts.append(f"{who} {verb} expected {when}" if not parts else f"{who} {when}")
    if not parts:
        return None
    return f"Hi {greeted}! " + ", and ".join(parts) + "."

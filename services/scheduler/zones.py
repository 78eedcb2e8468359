"""Timezone names for people: suggestions while typing, and the local time in a zone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from services.runtime.playtime import timezone_names, zone

MAX_SUGGESTIONS = 25  # Discord shows at most 25 autocomplete choices


def suggest(typed: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Zones whose name contains ``typed`` (any case, spaces as underscores), best first.

    Names that start with it come first, then names with a part (``America/New_York``:
    ``New_York``) that starts with it, then the rest; each group in alphabetical order.
    """
    needle = typed.strip().casefold().replace(" ", "_")
    names = [name for name in timezone_names() if needle in name.casefold()]

    def rank(name: str) -> int:
        folded = name.casefold()
        if folded.startswith(needle):
            return 0
        if any(part.startswith(needle) for part in folded.split("/")):
            return 1
        return 2

    return sorted(names, key=lambda name: (rank(name), name))[:limit]


def local_time(at: float, name: str) -> str:
    """``18:05 (Thu)`` in zone ``name``."""
    moment = datetime.fromtimestamp(at, zone(name))
    return f"{moment:%H:%M} ({moment:%a})"


def most_common(names: Iterable[str]) -> str | None:
    """The zone most members share (the alphabetically first of a tie), or None."""
    counts = Counter(names)
    if not counts:
        return None
    best = max(counts.values())
    return min(name for name, count in counts.items() if count == best)

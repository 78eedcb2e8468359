"""Validation of the ``/stats <graph> [days] [member]`` options.

Values arrive from an interaction payload, so nothing about their type is trusted: each
option is checked and a bad one yields a message fit to show the user as it is.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bus.protocol import ALL_HISTORY
from services.telemetry.analytics.charts import GraphKind

MIN_DAYS = ALL_HISTORY
MAX_DAYS = 365
_NAMES = tuple(kind.value for kind in GraphKind)
_ITS_OWN = -1  # a StatsRequest built without days: the graph's default period


@dataclass(frozen=True, slots=True)
class StatsRequest:
    """A valid ``/stats`` request.

    ``days`` is the period: today and the ``days - 1`` local days before it, or all the
    history (``ALL_HISTORY``); left out, it is the graph's own default period. A member's
    ``week`` always shows the current local week, so it takes no ``days``; it is the only
    graph that takes a ``member`` (a user id).
    """

    kind: GraphKind
    days: int = _ITS_OWN
    member: int | None = None

    def __post_init__(self) -> None:
        if self.days == _ITS_OWN:
            # frozen: the default period is the graph's own, known only once kind is.
            object.__setattr__(self, "days", self.kind.default_days)


@dataclass(frozen=True, slots=True)
class OptionsError:
    """Why the options were refused, worded for the member who typed them."""

    message: str


def _graph(value: object) -> GraphKind | OptionsError:
    choices = ", ".join(f"`{name}`" for name in _NAMES)
    if not isinstance(value, str) or not value.strip():
        return OptionsError(f"Pick a graph: {choices}.")
    name = value.strip().lower()
    if name in _NAMES:
        return GraphKind(name)
    close = difflib.get_close_matches(name, _NAMES, n=1)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    shown = value.strip()[:40]
    return OptionsError(f"There is no graph called `{shown}`.{hint} Choose one of {choices}.")


def _days(kind: GraphKind, value: object) -> int | OptionsError:
    if value is None:
        return kind.default_days
    if kind is GraphKind.WEEK:
        return OptionsError(
            "A member's week is always the current week: leave `days` out for this graph."
        )
    # bool is an int subclass; a True here is a malformed payload, not one day.
    if not isinstance(value, int) or isinstance(value, bool):
        return OptionsError(
            f"`days` must be a whole number from 1 to {MAX_DAYS} (or 0 for all the history)."
        )
    if not MIN_DAYS <= value <= MAX_DAYS:
        return OptionsError(
            f"`days` must be from 1 to {MAX_DAYS} (or 0 for all the history);"
            f" {value} is out of range."
        )
    return value


def _member(kind: GraphKind, value: object) -> int | OptionsError | None:
    if kind is GraphKind.WEEK:
        if value is None:
            return OptionsError("A week is drawn for one `member`: whose week should it show?")
    elif value is not None:
        return OptionsError(f"`member` only applies to the `week` graph, not `{kind}`.")
    else:
        return None
    # Discord sends user ids as strings of digits (snowflakes); a relay may already have
    # turned them into ints.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return OptionsError("`member` must be a member of this server.")
    return value


def parse_stats_options(
    graph: object, days: object = None, member: object = None
) -> StatsRequest | OptionsError:
    """Check the raw option values of ``/stats``; ``None`` means the option was left out."""
    kind = _graph(graph)
    if isinstance(kind, OptionsError):
        return kind
    checked_days = _days(kind, days)
    if isinstance(checked_days, OptionsError):
        return checked_days
    checked_member = _member(kind, member)
    if isinstance(checked_member, OptionsError):
        return checked_member
    return StatsRequest(kind, checked_days, checked_member)

"""The weekly timeline: one row per member, one cell per week, hours in voice in each.

A members x weeks heat map rather than lines: sixteen lines already tangle, three hundred are
a smudge, while a heat map keeps one readable row per member (the most present thirty) and
shows a fading or brightening row at a glance. The arrow after a name compares the member's
later half of the weeks with the earlier half.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.telemetry.analytics.charts import TimelineChart
from services.telemetry.analytics.render.figure import (
    SMALL,
    Sheet,
    draw_header,
    empty_note,
    label,
)
from services.telemetry.analytics.render.heat import hours_grid

_CHANGE = 0.25  # the later half of the weeks 25 % above or below the earlier reads as a trend


def trend(weeks: Sequence[float | None]) -> str:
    """``↑`` more active lately, ``↓`` less, ``→`` steady, from weeks with data.

    The later half of the weeks against the earlier half: a single week (the first, often
    cut short by the start of the record, or one busy week) cannot make a trend, and a
    member who stopped reads as ``↓`` whatever their first week was."""
    known = [hours for hours in weeks if hours is not None]
    half = len(known) // 2
    if half == 0:
        return ""
    before, lately = sum(known[:half]), sum(known[-half:])
    if lately > before * (1 + _CHANGE):
        return "\u2191"
    if lately < before * (1 - _CHANGE):
        return "\u2193"
    return "\u2192"


def draw_timeline(sheet: Sheet, chart: TimelineChart) -> None:
    """Members top to bottom (most hours first), weeks left to right (oldest first)."""
    ax = sheet.fig.add_subplot()
    draw_header(sheet.fig, chart.header, ax)
    if not chart.rows:
        ax.set_axis_off()
        empty_note(sheet.fig, "Nobody was in voice in this period.")
        return
    hours_grid(
        sheet,
        ax,
        [weeks for _, weeks in chart.rows],
        rows=[f"{label(name)} {trend(weeks)}".rstrip() for name, weeks in chart.rows],
        columns=[f"{start:%d %b}" for start in chart.week_starts],
        legend="hours in voice that week",
        titles=(
            [name for name, _ in chart.rows],
            [f"week of {start:%d %b %Y}" for start in chart.week_starts],
        ),
    )
    shown = len(chart.rows)
    note = f"{shown} of {chart.members_total} members, " if shown < chart.members_total else ""
    ax.set_xlabel(f"{note}week starting", fontsize=SMALL)

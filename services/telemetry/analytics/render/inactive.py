"""The inactive members: one row per member, one cell per rolling week, last seen beside."""

from __future__ import annotations

from services.telemetry.analytics.charts import InactiveChart, InactiveRow
from services.telemetry.analytics.render.figure import (
    SMALL,
    Sheet,
    draw_header,
    empty_note,
    label,
)
from services.telemetry.analytics.render.heat import hours_grid


def last_seen(row: InactiveRow) -> str:
    """When the member was last in voice, in community days."""
    days = row.days_since_seen
    if days is None:
        return "never in voice"
    if days == 0:
        return "seen today"
    if days == 1:
        return "seen yesterday"
    return f"seen {days} d ago"


def draw_inactive(sheet: Sheet, chart: InactiveChart) -> None:
    """A heat map of weekly hours, the least recently seen members on top."""
    ax = sheet.fig.add_subplot()
    draw_header(sheet.fig, chart.header, ax)
    if not chart.rows:
        ax.set_axis_off()
        empty_note(sheet.fig, "No members to show.")
        return
    names = [f"{row.name} ({last_seen(row)})" for row in chart.rows]
    weeks = [f"week of {week}" for week in chart.week_labels]
    hours_grid(
        sheet,
        ax,
        [row.weekly_hours for row in chart.rows],
        rows=[f"{label(row.name, 12)} ({last_seen(row)})" for row in chart.rows],
        columns=list(chart.week_labels),
        legend="hours in voice that week",
        titles=(names, weeks),
    )
    ax.set_xlabel("week starting", fontsize=SMALL)

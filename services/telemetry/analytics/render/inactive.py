"""The inactive members: one row per member, one cell per rolling week, last seen beside."""

from __future__ import annotations

from services.telemetry.analytics.charts import GraphKind, InactiveChart, InactiveRow
from services.telemetry.analytics.render.figure import (
    draw_header,
    empty_note,
    figure,
    label,
    png_bytes,
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


def render_inactive(chart: InactiveChart) -> bytes:
    """A heat map of weekly hours, the least recently seen members on top."""
    with figure(GraphKind.INACTIVE) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        if not chart.rows:
            ax.set_axis_off()
            empty_note(fig, "No members to show.")
            return png_bytes(fig)
        hours_grid(
            fig,
            ax,
            [row.weekly_hours for row in chart.rows],
            rows=[f"{label(row.name)}  ({last_seen(row)})" for row in chart.rows],
            columns=list(chart.week_labels),
            legend="hours in voice that week",
        )
        ax.set_xlabel("week starting", fontsize=11)
        return png_bytes(fig)

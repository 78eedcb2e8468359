"""The inactive members: one row per member, one cell per rolling week, last seen beside."""

from __future__ import annotations

from services.telemetry.analytics.charts import GraphKind, InactiveChart, InactiveRow
from services.telemetry.analytics.render.figure import (
    INK,
    draw_header,
    empty_note,
    figure,
    label,
    png_bytes,
)


def _last_seen(row: InactiveRow) -> str:
    days = row.days_since_seen
    if days is None:
        return "never in voice"
    if days < 1:
        return "seen today"
    return f"seen {days:.0f} d ago"


def _cell(hours: float) -> str:
    if hours == 0:
        return "0"
    if hours < 0.1:
        return "<0.1"
    return f"{hours:.1f}" if hours < 10 else f"{hours:.0f}"


def render_inactive(chart: InactiveChart) -> bytes:
    """A heat map of weekly hours, the least recently seen members on top."""
    with figure(GraphKind.INACTIVE) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        if not chart.rows:
            ax.set_axis_off()
            empty_note(fig, "No members to show.")
            return png_bytes(fig)
        grid = [list(row.weekly_hours) for row in chart.rows]
        highest = max((cell for line in grid for cell in line), default=0.0)
        image = ax.imshow(
            grid, aspect="auto", cmap="Blues", vmin=0, vmax=max(highest, 1.0), origin="upper"
        )
        ax.set_yticks(
            range(len(chart.rows)),
            labels=[f"{label(row.name)}  ({_last_seen(row)})" for row in chart.rows],
            fontsize=10,
        )
        ax.set_xticks(range(len(chart.week_labels)), labels=list(chart.week_labels), fontsize=9)
        ax.set_xlabel("week starting", color=INK)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        # Numbers in the cells: people compare "0 h" with "0.3 h", colour alone hides that.
        for y, line in enumerate(grid):
            for x, hours in enumerate(line):
                text = _cell(hours)
                dark = hours > max(highest, 1.0) * 0.55
                colour = "white" if dark else INK
                ax.text(x, y, text, ha="center", va="center", fontsize=8, color=colour)
        colorbar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.01)
        colorbar.set_label("hours in voice that week")
        return png_bytes(fig)

"""Day of week: which weekday each member plays on (members x weekdays), and when in the
week the community plays (weekday x hour, only the hours that hold play)."""

from __future__ import annotations

from services.telemetry.analytics.calendar import WEEKDAYS
from services.telemetry.analytics.charts import GraphKind, WeekdayChart
from services.telemetry.analytics.render.figure import (
    INK,
    draw_header,
    empty_note,
    figure,
    label,
    png_bytes,
)
from services.telemetry.analytics.render.heat import hours_grid


def render_weekdays(chart: WeekdayChart) -> bytes:
    """Left, hours per member and weekday; right, member-hours per weekday and local hour."""
    with figure(GraphKind.WEEKDAYS) as fig:
        if not chart.members:
            ax = fig.add_subplot()
            draw_header(fig, chart.header, ax)
            ax.set_axis_off()
            empty_note(fig, "Nobody was in voice in this period.")
            return png_bytes(fig)
        members_ax, hours_ax = fig.subplots(1, 2, width_ratios=(1, 1.3))
        draw_header(fig, chart.header)
        hours_grid(
            fig,
            members_ax,
            [weekdays for _, weekdays in chart.members],
            rows=[label(name, 18) for name, _ in chart.members],
            columns=list(WEEKDAYS),
            legend="hours in voice, whole period",
            numbers=len(chart.members) <= 20,
        )
        members_ax.set_title("per member", fontsize=12, color=INK)
        hours_grid(
            fig,
            hours_ax,
            [list(row) for row in chart.hours],
            rows=[
                f"{day} ({average:.0f} h/day)"
                for day, average in zip(WEEKDAYS, chart.averages, strict=True)
            ],
            columns=[f"{hour:02d}h" for hour in chart.shown_hours],
            legend="member-hours in that hour, whole period",
            numbers=False,
        )
        hours_ax.set_title("whole community, by local hour", fontsize=12, color=INK)
        return png_bytes(fig)

"""Day of week: which weekday each member plays on (members x weekdays), and when in the
week the community plays (weekday x hour, only the hours that hold play).

The two panels are stacked, not side by side: side by side on a phone each would get some
200 pt, too narrow for names and seven numbered columns at a readable size.
"""

from __future__ import annotations

from services.telemetry.analytics.calendar import WEEKDAYS
from services.telemetry.analytics.charts import WeekdayChart
from services.telemetry.analytics.render.figure import (
    INK,
    TEXT,
    Sheet,
    draw_header,
    empty_note,
    label,
)
from services.telemetry.analytics.render.heat import hours_grid

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def draw_weekdays(sheet: Sheet, chart: WeekdayChart) -> None:
    """Top, hours per member and weekday; bottom, member-hours per weekday and local hour."""
    fig = sheet.fig
    if not chart.members:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        ax.set_axis_off()
        empty_note(fig, "Nobody was in voice in this period.")
        return
    members_ax, hours_ax = fig.subplots(2, 1, height_ratios=(max(len(chart.members), 7), 7))
    draw_header(fig, chart.header)
    names = [name for name, _ in chart.members]
    hours_grid(
        sheet,
        members_ax,
        [weekdays for _, weekdays in chart.members],
        rows=[label(name) for name in names],
        columns=list(WEEKDAYS),
        legend="hours, whole period",
        titles=(names, [f"{day}s" for day in _DAYS]),
        numbers=len(chart.members) <= 20,
    )
    members_ax.set_title("per member", fontsize=TEXT, color=INK)
    hours_grid(
        sheet,
        hours_ax,
        [list(row) for row in chart.hours],
        rows=[
            f"{day} ({average:.0f} h/day)"
            for day, average in zip(WEEKDAYS, chart.averages, strict=True)
        ],
        columns=[f"{hour:02d}h" for hour in chart.shown_hours],
        legend="member-hours",
        titles=(
            [f"{day}s" for day in _DAYS],
            [f"{hour:02d}:00-{(hour + 1) % 24:02d}:00" for hour in chart.shown_hours],
        ),
        numbers=False,
    )
    hours_ax.set_title("whole community, by local hour", fontsize=TEXT, color=INK)

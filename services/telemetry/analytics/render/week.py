"""A member's week: one lane per day, bars where they were in voice, coloured by channel."""

from __future__ import annotations

from datetime import timedelta

from matplotlib.patches import Patch

from services.telemetry.analytics.calendar import WEEKDAYS
from services.telemetry.analytics.charts import TimelineBar, WeekChart
from services.telemetry.analytics.render.figure import (
    INK,
    PALETTE,
    SMALL,
    SUBTLE,
    TEXT,
    Sheet,
    draw_header,
    exact_hours,
    hours_text,
    label,
)


def _clock(hour: float) -> str:
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _bar_title(chart: WeekChart, bar: TimelineBar) -> str:
    day = chart.monday + timedelta(days=bar.day)
    span = f"{_clock(bar.start_hour)}-{_clock(bar.end_hour)}"
    return f"{day:%a %d %b}, {span}, {bar.channel}: {exact_hours(bar.end_hour - bar.start_hour)}"


def draw_week(sheet: Sheet, chart: WeekChart) -> None:
    """Monday to Sunday from top to bottom, 00:00 to 24:00 from left to right."""
    fig = sheet.fig
    ax = fig.add_subplot()
    draw_header(fig, chart.header, ax)
    channels = sorted({bar.channel for bar in chart.bars})
    colours = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(channels)}
    for bar in chart.bars:
        drawn = ax.barh(
            bar.day,
            bar.end_hour - bar.start_hour,
            left=bar.start_hour,
            height=0.6,
            color=colours[bar.channel],
        )
        sheet.hover(drawn[0], _bar_title(chart, bar))
    days = [f"{WEEKDAYS[day]} {chart.monday + timedelta(days=day):%d}" for day in range(7)]
    ax.set_yticks(range(7), labels=days, fontsize=SMALL)
    ax.set_ylim(6.6, -0.6)
    ax.set_xlim(0, 24)
    # Every third hour: "06:00" at SMALL is some 28 pt, nine of them fill a phone's width.
    ax.set_xticks(range(0, 25, 3), labels=[f"{h:02d}:00" for h in range(0, 25, 3)])
    ax.tick_params(labelsize=SMALL)
    ax.set_xticks(range(25), minor=True)
    ax.grid(axis="x", which="both", color="#E5E5E5")
    ax.set_axisbelow(True)
    ax.set_xlabel(
        f"local time; {hours_text(chart.total_hours)} in voice this week",
        color=INK,
        fontsize=SMALL,
    )
    ax.spines[["top", "right"]].set_visible(False)
    if channels:
        handles = [Patch(color=colours[name], label=label(name, 24)) for name in channels]
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 3),
            frameon=False,
            fontsize=SMALL,
        )
    else:
        ax.text(12, 3, "No time in voice this week.", ha="center", fontsize=TEXT, color=SUBTLE)

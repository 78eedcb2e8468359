"""A member's week: one lane per day, bars where they were in voice, coloured by channel."""

from __future__ import annotations

from datetime import timedelta

from matplotlib.patches import Patch

from services.telemetry.analytics.calendar import WEEKDAYS
from services.telemetry.analytics.charts import GraphKind, WeekChart
from services.telemetry.analytics.render.figure import (
    INK,
    PALETTE,
    SUBTLE,
    draw_header,
    figure,
    hours_text,
    label,
    png_bytes,
)


def render_week(chart: WeekChart) -> bytes:
    """Monday to Sunday from top to bottom, 00:00 to 24:00 from left to right."""
    with figure(GraphKind.WEEK) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        channels = sorted({bar.channel for bar in chart.bars})
        colours = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(channels)}
        for bar in chart.bars:
            ax.barh(
                bar.day,
                bar.end_hour - bar.start_hour,
                left=bar.start_hour,
                height=0.6,
                color=colours[bar.channel],
            )
        days = [f"{WEEKDAYS[day]} {chart.monday + timedelta(days=day):%d %b}" for day in range(7)]
        ax.set_yticks(range(7), labels=days, fontsize=11)
        ax.set_ylim(6.6, -0.6)
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 2), labels=[f"{h:02d}:00" for h in range(0, 25, 2)])
        ax.set_xticks(range(25), minor=True)
        ax.grid(axis="x", which="both", color="#E5E5E5")
        ax.set_axisbelow(True)
        ax.set_xlabel(f"local time; {hours_text(chart.total_hours)} in voice this week", color=INK)
        ax.spines[["top", "right"]].set_visible(False)
        if channels:
            handles = [Patch(color=colours[name], label=label(name, 30)) for name in channels]
            ax.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.12),
                ncols=min(len(handles), 5),
                frameon=False,
                fontsize=10,
            )
        else:
            ax.text(12, 3, "No time in voice this week.", ha="center", fontsize=14, color=SUBTLE)
        return png_bytes(fig)

"""Activity by weekday: a weekday x hour heat map with the daily average beside it."""

from __future__ import annotations

from services.telemetry.analytics.calendar import WEEKDAYS
from services.telemetry.analytics.charts import GraphKind, WeekdayChart
from services.telemetry.analytics.render.figure import (
    ACCENT,
    INK,
    draw_header,
    figure,
    hours_text,
    png_bytes,
)


def render_weekdays(chart: WeekdayChart) -> bytes:
    """Member-hours per weekday and local hour; bars give member-hours per day on average."""
    with figure(GraphKind.WEEKDAYS) as fig:
        grid_ax, bars_ax = fig.subplots(1, 2, sharey=True, width_ratios=(5, 1))
        draw_header(fig, chart.header, grid_ax)
        grid = [list(row) for row in chart.hours]
        highest = max((cell for row in grid for cell in row), default=0.0)
        image = grid_ax.imshow(
            grid, aspect="auto", cmap="YlOrRd", vmin=0, vmax=max(highest, 1.0), origin="upper"
        )
        grid_ax.set_yticks(range(7), labels=list(WEEKDAYS), fontsize=11)
        grid_ax.set_xticks(range(0, 24, 2), labels=[f"{h:02d}h" for h in range(0, 24, 2)])
        grid_ax.set_xlabel("local hour", color=INK)
        grid_ax.tick_params(length=0)
        for spine in grid_ax.spines.values():
            spine.set_visible(False)
        colorbar = fig.colorbar(image, ax=grid_ax, location="bottom", shrink=0.5, pad=0.02)
        colorbar.set_label("member-hours in that hour, whole period")

        averages = list(chart.averages)
        bars_ax.barh(range(7), averages, color=ACCENT, height=0.7)
        bars_ax.set_title("per day, average", fontsize=11, color=INK)
        bars_ax.spines[["top", "right"]].set_visible(False)
        bars_ax.tick_params(axis="y", length=0)
        widest = max(averages, default=0.0)
        bars_ax.set_xlim(0, widest * 1.6 if widest > 0 else 1)
        for row, value in enumerate(averages):
            bars_ax.text(value, row, " " + hours_text(value), va="center", fontsize=9)
        bars_ax.set_xlabel("member-hours", color=INK)
        return png_bytes(fig)

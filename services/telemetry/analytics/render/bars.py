"""Bar charts: top duos, time in voice, hours per month."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes

from services.telemetry.analytics.charts import DuoChart, GraphKind, MonthlyChart, VoiceTimeChart
from services.telemetry.analytics.render.figure import (
    ACCENT,
    INK,
    MUTED,
    draw_header,
    empty_note,
    figure,
    hours_text,
    label,
    png_bytes,
)


def _ranked_axes(ax: Axes, names: Sequence[str]) -> list[int]:
    # Horizontal bars read best for names; the first row goes on top.
    rows = list(range(len(names)))
    ax.set_yticks(rows, labels=list(names), fontsize=11)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#E5E5E5")
    ax.set_axisbelow(True)
    ax.set_xlabel("hours", color=INK)
    return rows


def _value_labels(ax: Axes, rows: Sequence[int], totals: Sequence[float]) -> None:
    widest = max(totals, default=0.0)
    ax.set_xlim(0, widest * 1.12 if widest > 0 else 1)
    for row, total in zip(rows, totals, strict=True):
        ax.text(total + widest * 0.01, row, hours_text(total), va="center", fontsize=10, color=INK)


def render_duos(chart: DuoChart) -> bytes:
    """Horizontal bars of the pairs with the most shared time."""
    with figure(GraphKind.DUOS) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        if not chart.pairs:
            ax.set_axis_off()
            empty_note(fig, "Nobody shared a voice channel in this period.")
            return png_bytes(fig)
        names = [f"{label(a)} & {label(b)}" for a, b, _ in chart.pairs]
        hours = [hours for _, _, hours in chart.pairs]
        rows = _ranked_axes(ax, names)
        ax.barh(rows, hours, color=ACCENT, height=0.7)
        _value_labels(ax, rows, hours)
        return png_bytes(fig)


def render_voice_time(chart: VoiceTimeChart) -> bytes:
    """Stacked horizontal bars: time with others, then time alone."""
    with figure(GraphKind.VOICE_TIME) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        if not chart.rows:
            ax.set_axis_off()
            empty_note(fig, "Nobody was in voice in this period.")
            return png_bytes(fig)
        names = [label(name) for name, _, _ in chart.rows]
        together = [with_others for _, with_others, _ in chart.rows]
        alone = [alone for _, _, alone in chart.rows]
        rows = _ranked_axes(ax, names)
        ax.barh(rows, together, color=ACCENT, height=0.7, label="with others")
        ax.barh(rows, alone, left=together, color=MUTED, height=0.7, label="alone")
        _value_labels(ax, rows, [a + b for a, b in zip(together, alone, strict=True)])
        ax.legend(loc="lower right", frameon=False, fontsize=11)
        return png_bytes(fig)


def render_months(chart: MonthlyChart) -> bytes:
    """Vertical bars of member-hours per local month."""
    with figure(GraphKind.MONTHS) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        months = [f"{month:%b}\n{month:%Y}" for month, _ in chart.months]
        hours = [hours for _, hours in chart.months]
        columns = list(range(len(months)))
        ax.bar(columns, hours, color=ACCENT, width=0.7)
        ax.set_xticks(columns, labels=months, fontsize=10 if len(months) <= 13 else 8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#E5E5E5")
        ax.set_axisbelow(True)
        ax.set_ylabel("member-hours in voice", color=INK)
        highest = max(hours, default=0.0)
        ax.set_ylim(0, highest * 1.12 if highest > 0 else 1)
        for column, value in zip(columns, hours, strict=True):
            if value > 0:
                ax.text(column, value, hours_text(value), ha="center", va="bottom", fontsize=9)
        return png_bytes(fig)

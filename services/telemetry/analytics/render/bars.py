"""Bar charts: top duos, time in voice, hours per member per month."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes

from services.telemetry.analytics.charts import (
    DuoChart,
    GraphKind,
    MonthColumn,
    MonthlyChart,
    VoiceTimeChart,
)
from services.telemetry.analytics.render.figure import (
    ACCENT,
    INK,
    MUTED,
    PALETTE,
    SUBTLE,
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


def _month_label(column: MonthColumn) -> str:
    text = f"{column.month:%b}\n{column.month:%Y}"
    if column.partial:
        text += f"\n{column.days_covered}/{column.days_total} d"
    return text


def render_months(chart: MonthlyChart) -> bytes:
    """Stacked bars of hours per local month: the top members, then everyone else.

    A month only partly inside the period (recording began in it, or it is the current one)
    keeps its real hours, hatched and labelled with the days it covers, and a dashed outline
    shows where its total would reach at the same pace for the whole month: a partial month
    then reads as a partial month, not as a collapse. Real hours are kept (rather than a daily
    average) so that the bars still add up to the hours the other graphs show.
    """
    with figure(GraphKind.MONTHS) as fig:
        ax = fig.add_subplot()
        draw_header(fig, chart.header, ax)
        if not any(chart.totals()):
            ax.set_axis_off()
            empty_note(fig, "Nobody was in voice in this period.")
            return png_bytes(fig)
        columns = list(range(len(chart.months)))
        partial = [column.partial for column in chart.months]
        bottom = [0.0] * len(columns)
        layers = [
            (label(name), hours, PALETTE[index % len(PALETTE)])
            for index, (name, hours) in enumerate(chart.series)
        ]
        if any(chart.others):
            layers.append(
                (f"{chart.members_total - len(chart.series)} others", chart.others, MUTED)
            )
        for name, hours, colour in layers:
            bars = ax.bar(
                columns,
                hours,
                bottom=bottom,
                width=0.72,
                color=colour,
                edgecolor="white",
                linewidth=0.5,
                label=name,
            )
            for bar, is_partial in zip(bars, partial, strict=True):
                if is_partial:
                    bar.set_hatch("//")
                    bar.set_alpha(0.6)
            bottom = [low + value for low, value in zip(bottom, hours, strict=True)]
        totals = list(chart.totals())
        paces = [
            total * column.days_total / column.days_covered if column.partial else total
            for total, column in zip(totals, chart.months, strict=True)
        ]
        for column, month, pace in zip(columns, chart.months, paces, strict=True):
            if month.partial and pace > 0:
                ax.bar(column, pace, width=0.72, fill=False, edgecolor=SUBTLE, linestyle="--")
        small = len(columns) > 13
        ax.set_xticks(
            columns,
            labels=[_month_label(column) for column in chart.months],
            fontsize=9 if small else 11,
        )
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#E5E5E5")
        ax.set_axisbelow(True)
        ax.set_ylabel("hours in voice", color=INK, fontsize=12)
        highest = max(paces, default=0.0)
        ax.set_ylim(0, highest * 1.12 if highest > 0 else 1)
        if not small:
            for column, value in zip(columns, totals, strict=True):
                if value > 0:
                    ax.text(column, value, hours_text(value), ha="center", va="bottom", fontsize=10)
        shown = len(chart.series)
        title = (
            f"top {shown} of {chart.members_total} members"
            if shown < chart.members_total
            else f"{chart.members_total} members"
        )
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=11,
            title=f"{title}; hatched: part of a month",
            title_fontsize=10,
            reverse=True,
        )
        return png_bytes(fig)

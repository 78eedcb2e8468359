"""Bar charts: top duos, time in voice, hours per member per month."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from services.telemetry.analytics.charts import DuoChart, MonthColumn, MonthlyChart, VoiceTimeChart
from services.telemetry.analytics.render.figure import (
    ACCENT,
    INK,
    MUTED,
    PALETTE,
    SMALL,
    SUBTLE,
    TEXT,
    Sheet,
    draw_header,
    empty_note,
    exact_hours,
    hours_text,
    label,
)

_MONTH_TICKS = 8
"""Most month labels under the bars: a label of three short lines at ``SMALL`` is about 40 pt
wide, and the plot about 360 pt."""


def _ranked_axes(ax: Axes, names: Sequence[str]) -> list[int]:
    # Horizontal bars read best for names; the first row goes on top.
    rows = list(range(len(names)))
    ax.set_yticks(rows, labels=list(names), fontsize=SMALL)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#E5E5E5")
    ax.set_axisbelow(True)
    ax.set_xlabel("hours", color=INK, fontsize=SMALL)
    return rows


def _value_labels(ax: Axes, rows: Sequence[int], totals: Sequence[float]) -> None:
    widest = max(totals, default=0.0)
    # Room on the right for the widest bar's label ("120 h" at SMALL is some 30 pt).
    ax.set_xlim(0, widest * 1.2 if widest > 0 else 1)
    for row, total in zip(rows, totals, strict=True):
        ax.text(
            total + widest * 0.01, row, hours_text(total), va="center", fontsize=SMALL, color=INK
        )


def _titled(sheet: Sheet, bars: BarContainer, titles: Sequence[str]) -> None:
    for bar, title in zip(bars, titles, strict=True):
        sheet.hover(bar, title)


def draw_duos(sheet: Sheet, chart: DuoChart) -> None:
    """Horizontal bars of the pairs with the most shared time."""
    ax = sheet.fig.add_subplot()
    draw_header(sheet.fig, chart.header, ax)
    if not chart.pairs:
        ax.set_axis_off()
        empty_note(sheet.fig, "Nobody shared a voice channel in this period.")
        return
    names = [f"{label(a, 12)} & {label(b, 12)}" for a, b, _ in chart.pairs]
    hours = [hours for _, _, hours in chart.pairs]
    rows = _ranked_axes(ax, names)
    bars = ax.barh(rows, hours, color=ACCENT, height=0.7)
    _titled(sheet, bars, [f"{a} & {b}: {exact_hours(h)} together" for a, b, h in chart.pairs])
    _value_labels(ax, rows, hours)


def draw_voice_time(sheet: Sheet, chart: VoiceTimeChart) -> None:
    """Stacked horizontal bars: time with others, then time alone."""
    ax = sheet.fig.add_subplot()
    draw_header(sheet.fig, chart.header, ax)
    if not chart.rows:
        ax.set_axis_off()
        empty_note(sheet.fig, "Nobody was in voice in this period.")
        return
    names = [label(name) for name, _, _ in chart.rows]
    together = [with_others for _, with_others, _ in chart.rows]
    alone = [alone for _, _, alone in chart.rows]
    rows = _ranked_axes(ax, names)
    bars = ax.barh(rows, together, color=ACCENT, height=0.7, label="with others")
    _titled(sheet, bars, [f"{n}: {exact_hours(h)} with others" for n, h, _ in chart.rows])
    bars = ax.barh(rows, alone, left=together, color=MUTED, height=0.7, label="alone")
    _titled(sheet, bars, [f"{n}: {exact_hours(h)} alone" for n, _, h in chart.rows])
    _value_labels(ax, rows, [a + b for a, b in zip(together, alone, strict=True)])
    ax.legend(loc="lower right", frameon=False, fontsize=SMALL)


def _month_label(column: MonthColumn) -> str:
    text = f"{column.month:%b}\n{column.month:%Y}"
    if column.partial:
        text += f"\n{column.days_covered}/{column.days_total} d"
    return text


def _month_title(name: str, column: MonthColumn, hours: float) -> str:
    days = f" ({column.days_covered} of {column.days_total} days)" if column.partial else ""
    return f"{name}, {column.month:%B %Y}{days}: {exact_hours(hours)}"


def _stack(sheet: Sheet, ax: Axes, chart: MonthlyChart) -> list[float]:
    """The stacked bars, hatched where a month is partial; returns each month's total."""
    columns = list(range(len(chart.months)))
    bottom = [0.0] * len(columns)
    layers = [
        (label(name), name, hours, PALETTE[index % len(PALETTE)])
        for index, (name, hours) in enumerate(chart.series)
    ]
    if any(chart.others):
        others = f"{chart.members_total - len(chart.series)} others"
        layers.append((others, others, chart.others, MUTED))
    for shown, name, hours, colour in layers:
        bars = ax.bar(
            columns,
            hours,
            bottom=bottom,
            width=0.72,
            color=colour,
            edgecolor="white",
            linewidth=0.5,
            label=shown,
        )
        for bar, column, value in zip(bars, chart.months, hours, strict=True):
            sheet.hover(bar, _month_title(name, column, value))
            if column.partial:
                bar.set_hatch("//")
                bar.set_alpha(0.6)
        bottom = [low + value for low, value in zip(bottom, hours, strict=True)]
    return bottom


def draw_months(sheet: Sheet, chart: MonthlyChart) -> None:
    """Stacked bars of hours per local month: the top members, then everyone else.

    A month only partly inside the period (recording began in it, or it is the current one)
    keeps its real hours, hatched and labelled with the days it covers, and a dashed outline
    shows where its total would reach at the same pace for the whole month: a partial month
    then reads as a partial month, not as a collapse. Real hours are kept (rather than a daily
    average) so that the bars still add up to the hours the other graphs show.
    """
    ax = sheet.fig.add_subplot()
    draw_header(sheet.fig, chart.header, ax)
    if not any(chart.totals()):
        ax.set_axis_off()
        empty_note(sheet.fig, "Nobody was in voice in this period.")
        return
    totals = _stack(sheet, ax, chart)
    columns = list(range(len(chart.months)))
    paces = [
        total * column.days_total / column.days_covered if column.partial else total
        for total, column in zip(totals, chart.months, strict=True)
    ]
    for column, month, pace in zip(columns, chart.months, paces, strict=True):
        if month.partial and pace > 0:
            ax.bar(column, pace, width=0.72, fill=False, edgecolor=SUBTLE, linestyle="--")
    step = -(-len(columns) // _MONTH_TICKS)
    ax.set_xticks(
        columns[::step],
        labels=[_month_label(column) for column in chart.months[::step]],
        fontsize=SMALL,
    )
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#E5E5E5")
    ax.set_axisbelow(True)
    ax.set_ylabel("hours in voice", color=INK, fontsize=TEXT)
    highest = max(paces, default=0.0)
    ax.set_ylim(0, highest * 1.15 if highest > 0 else 1)
    if step == 1:
        for column, value in zip(columns, totals, strict=True):
            if value > 0:
                ax.text(column, value, hours_text(value), ha="center", va="bottom", fontsize=SMALL)
    _month_legend(sheet, ax, chart)


def _month_legend(sheet: Sheet, ax: Axes, chart: MonthlyChart) -> None:
    # Below the bars, in two columns: on the right it would take a third of a phone's width.
    shown = len(chart.series)
    title = (
        f"top {shown} of {chart.members_total} members"
        if shown < chart.members_total
        else f"{chart.members_total} members"
    )
    handles, labels = ax.get_legend_handles_labels()
    sheet.fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=SMALL,
        title=f"{title}; hatched: part of a month",
        title_fontsize=SMALL,
    )

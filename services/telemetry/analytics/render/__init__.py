"""Renderers, one per graph: pure functions from chart data to PNG or SVG bytes.

matplotlib and networkx are imported by ``render`` when it first draws, not when this package
is imported: the telemetry service names the renderers for its worker process, and keeping
them out of the service itself saves it some 60 MB of memory.

Each graph has one drawing (``draw_*`` onto a ``Sheet``) and two ways out of it: PNG for
Discord and files, SVG for the dashboard (see ``render.svg``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from bus.protocol import GraphFormat
from services.telemetry.analytics.charts import (
    Chart,
    DuoChart,
    GraphKind,
    InactiveChart,
    MonthlyChart,
    NetworkChart,
    TimelineChart,
    VoiceTimeChart,
    WeekChart,
    WeekdayChart,
)
from services.telemetry.analytics.render.sizes import DPI, PIXEL_SIZES

if TYPE_CHECKING:
    from services.telemetry.analytics.render.figure import Sheet

__all__ = ["DPI", "PIXEL_SIZES", "draw", "render", "render_png"]


def render(kind: GraphKind, chart: Chart, fmt: GraphFormat = "png") -> bytes:
    """Draw ``chart`` as the graph ``kind`` in ``fmt``; the chart and the kind must agree."""
    if chart.kind is not kind:
        raise TypeError(f"{type(chart).__name__} is data for {chart.kind}, not for {kind}")
    # Imported here, in the process that draws (see the module docstring).
    from services.telemetry.analytics.render.figure import figure

    with figure(kind) as sheet:
        draw(sheet, chart)
        return sheet.save(fmt)


def render_png(kind: GraphKind, chart: Chart) -> bytes:
    """Draw ``chart`` as a PNG (Discord's ``/stats``, files)."""
    return render(kind, chart, "png")


def draw(sheet: Sheet, chart: Chart) -> None:
    """Draw ``chart`` on ``sheet``'s blank figure."""
    from services.telemetry.analytics.render.bars import draw_duos, draw_months, draw_voice_time
    from services.telemetry.analytics.render.inactive import draw_inactive
    from services.telemetry.analytics.render.network import draw_network
    from services.telemetry.analytics.render.timeline import draw_timeline
    from services.telemetry.analytics.render.week import draw_week
    from services.telemetry.analytics.render.weekdays import draw_weekdays

    match chart:
        case NetworkChart():
            draw_network(sheet, chart)
        case DuoChart():
            draw_duos(sheet, chart)
        case VoiceTimeChart():
            draw_voice_time(sheet, chart)
        case InactiveChart():
            draw_inactive(sheet, chart)
        case WeekdayChart():
            draw_weekdays(sheet, chart)
        case MonthlyChart():
            draw_months(sheet, chart)
        case TimelineChart():
            draw_timeline(sheet, chart)
        case WeekChart():
            draw_week(sheet, chart)
        case _:
            assert_never(chart)

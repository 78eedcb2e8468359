"""PNG renderers, one per graph: pure functions from chart data to PNG bytes.

matplotlib and networkx are imported by ``render_png`` when it first draws, not when
this package is imported: the telemetry service names the renderers for its worker
process, and keeping them out of the service itself saves it some 60 MB of memory.
"""

from __future__ import annotations

from typing import assert_never

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

__all__ = ["DPI", "PIXEL_SIZES", "render_png"]


def render_png(kind: GraphKind, chart: Chart) -> bytes:
    """Draw ``chart`` as the graph ``kind``; the two must agree."""
    if chart.kind is not kind:
        raise TypeError(f"{type(chart).__name__} is data for {chart.kind}, not for {kind}")
    # Imported here, in the process that draws (see the module docstring).
    from services.telemetry.analytics.render.bars import (
        render_duos,
        render_months,
        render_voice_time,
    )
    from services.telemetry.analytics.render.inactive import render_inactive
    from services.telemetry.analytics.render.network import render_network
    from services.telemetry.analytics.render.timeline import render_timeline
    from services.telemetry.analytics.render.week import render_week
    from services.telemetry.analytics.render.weekdays import render_weekdays

    match chart:
        case NetworkChart():
            return render_network(chart)
        case DuoChart():
            return render_duos(chart)
        case VoiceTimeChart():
            return render_voice_time(chart)
        case InactiveChart():
            return render_inactive(chart)
        case WeekdayChart():
            return render_weekdays(chart)
        case MonthlyChart():
            return render_months(chart)
        case TimelineChart():
            return render_timeline(chart)
        case WeekChart():
            return render_week(chart)
        case _:
            assert_never(chart)

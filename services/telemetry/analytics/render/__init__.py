"""Renderers, one per graph: pure functions from chart data to PNG or SVG bytes.

matplotlib and networkx are imported by ``render`` when it first draws, not when this package
is imported: the telemetry service names the renderers for its worker process, and keeping
them out of the service itself saves it some 60 MB of memory.

Each graph has one drawing (``draw_*`` onto a ``Sheet``) and two ways out of it: PNG for
Discord and files, SVG for the dashboard (see ``render.svg``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, cast

from bus.protocol import GraphFormat
from services.telemetry.analytics.charts import GRAPHS, Chart, GraphKind
from services.telemetry.analytics.render.sizes import DPI, PIXEL_SIZES

if TYPE_CHECKING:
    from services.telemetry.analytics.render.figure import Sheet

__all__ = ["DPI", "PIXEL_SIZES", "draw", "drawer", "render", "render_png"]


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
    """Draw ``chart`` on ``sheet``'s blank figure, with the drawer its graph's row names."""
    drawer(chart.kind)(sheet, chart)


def drawer(kind: GraphKind) -> Callable[[Sheet, Chart], None]:
    """The function that draws ``kind``, imported from the module ``GRAPHS`` names for it.

    Each drawer takes its own chart type; ``render`` has checked that the chart is ``kind``'s.
    """
    module, _, name = GRAPHS[kind].drawer.rpartition(".")
    found = getattr(import_module(f"{__name__}.{module}"), name)
    return cast("Callable[[Sheet, Chart], None]", found)

"""How big each graph is drawn: light enough to import where nothing is drawn."""

from __future__ import annotations

from services.telemetry.analytics.charts import GraphKind

DPI = 100
PIXEL_SIZES: dict[GraphKind, tuple[int, int]] = {
    GraphKind.NETWORK: (1200, 1000),
    GraphKind.DUOS: (1200, 800),
    GraphKind.VOICE_TIME: (1200, 800),
    GraphKind.INACTIVE: (1200, 800),
    GraphKind.WEEKDAYS: (1200, 800),
    GraphKind.MONTHS: (1200, 800),
    GraphKind.TIMELINE: (1200, 900),
    GraphKind.WEEK: (1200, 700),
}
"""Width x height in pixels; Discord shows up to about 1200 px wide before scaling down."""

"""How big each graph is drawn: light enough to import where nothing is drawn.

Every graph is ``WIDTH_INCHES`` wide, so that one font size means the same on every screen.
Text is sized in points against that width (see ``render.figure``'s font sizes): the SVG
scales its whole drawing to the width it is shown at, and the PNG is the same drawing at
``DPI``, so a font that reads on a phone reads in both.
"""

from __future__ import annotations

from services.telemetry.analytics.charts import GraphKind

WIDTH_INCHES = 6.0
"""432 pt: the width of every graph, and of the SVG's viewBox."""
DPI = 200
"""1200 px wide PNGs: Discord shows up to about that width before scaling down."""
HEIGHT_INCHES: dict[GraphKind, float] = {
    GraphKind.NETWORK: 6.5,
    GraphKind.DUOS: 5.0,
    GraphKind.VOICE_TIME: 6.5,
    GraphKind.INACTIVE: 6.5,
    GraphKind.WEEKDAYS: 8.5,
    GraphKind.MONTHS: 6.0,
    GraphKind.TIMELINE: 7.5,
    GraphKind.WEEK: 5.0,
}
"""Tall enough for one readable row per member at the smallest font: the graphs with up to
25 or 30 rows (time in voice, inactive, timeline, day of week's two panels) are taller than
wide, which is also how a phone holds them."""
PIXEL_SIZES: dict[GraphKind, tuple[int, int]] = {
    kind: (round(WIDTH_INCHES * DPI), round(height * DPI)) for kind, height in HEIGHT_INCHES.items()
}
"""Width x height of each PNG in pixels."""

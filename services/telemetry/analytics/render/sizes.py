"""How big each graph is drawn: light enough to import where nothing is drawn.

Every graph is ``WIDTH_INCHES`` wide, so that one font size means the same on every screen.
Text is sized in points against that width (see ``render.figure``'s font sizes): the SVG
scales its whole drawing to the width it is shown at, and the PNG is the same drawing at
``DPI``, so a font that reads on a phone reads in both.
"""

from __future__ import annotations

from services.telemetry.analytics.charts import GRAPHS, GraphKind

WIDTH_INCHES = 6.0
"""432 pt: the width of every graph, and of the SVG's viewBox."""
DPI = 200
"""1200 px wide PNGs: Discord shows up to about that width before scaling down."""
HEIGHT_INCHES: dict[GraphKind, float] = {kind: GRAPHS[kind].height_inches for kind in GraphKind}
"""Each graph's height, from its row in ``GRAPHS``."""
PIXEL_SIZES: dict[GraphKind, tuple[int, int]] = {
    kind: (round(WIDTH_INCHES * DPI), round(height * DPI)) for kind, height in HEIGHT_INCHES.items()
}
"""Width x height of each PNG in pixels."""

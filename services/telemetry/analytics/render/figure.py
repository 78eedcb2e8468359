"""What every graph shares: sizes and fonts, the figure's life cycle, safe labels, colours.

Figures are built with ``matplotlib.figure.Figure`` and an Agg canvas, never through pyplot:
pyplot keeps every figure in a global registry until closed, which in a long-lived worker is a
leak waiting to happen and is not safe to share between concurrent renders.

Font sizes are chosen for a phone. Every graph is ``WIDTH_INCHES`` = 6 in = 432 pt wide, and
the SVG's viewBox is those 432 units: shown 390 CSS px wide (a phone held upright), one point
of the drawing is 390 / 432 = 0.90 CSS px, so ``SMALL`` (10 pt, the smallest text anywhere:
ticks, cell numbers, legends) is 9.0 CSS px and ``TITLE`` 12.6 px. The PNG is the same
drawing at 200 dpi (1200 px wide), so it holds the same proportions for Discord.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO

from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from bus.protocol import GraphFormat
from services.telemetry.analytics.charts import GraphKind, Header
from services.telemetry.analytics.render.sizes import DPI, HEIGHT_INCHES, WIDTH_INCHES
from services.telemetry.analytics.render.svg import svg_bytes

FONT_FAMILY = "DejaVu Sans"
MAX_LABEL = 16
"""Characters of a name on an axis: at ``SMALL`` a sixteen-letter name takes about a fifth of
the width, leaving the rest to the bars or cells."""
SMALL = 10.0
"""The smallest text of every graph (see the module docstring for why 10 pt)."""
TEXT = 11.0
TITLE = 14.0

# Colour-blind-safe qualitative palette (Okabe-Ito), then a few extra muted tones.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#332288",
    "#882255",
    "#44AA99",
    "#117733",
    "#AA4499",
)
ACCENT = PALETTE[0]
MUTED = "#B8C4CE"
INK = "#222222"
SUBTLE = "#555555"


@cache
def _drawable_codepoints() -> frozenset[int]:
    path = font_manager.findfont(FONT_FAMILY, fallback_to_default=False)
    return frozenset(FT2Font(path).get_charmap())


def label(text: str, limit: int = MAX_LABEL) -> str:
    """A display name made safe to draw.

    Names are free text: a ``$`` would switch matplotlib into math mode, and a glyph the font
    lacks (emoji, CJK) would draw as a box and emit a warning per character. Those characters
    are dropped, long names are shortened.
    """
    drawable = _drawable_codepoints()
    kept = "".join(
        char for char in text if char.isprintable() and (ord(char) in drawable or char == " ")
    )
    kept = " ".join(kept.split()) or "?"
    if len(kept) > limit:
        kept = kept[: limit - 1].rstrip() + "\u2026"
    return kept.replace("$", r"\$")


@dataclass(slots=True)
class Sheet:
    """A figure being drawn, and the hover title of each drawn thing that carries a value.

    A title is attached as a link (matplotlib's ``set_url``/``set_urls``, which the SVG
    backend writes as an ``<a>`` around each path, one per item of a collection) to a token
    that ``render.svg`` swaps for the title. Collections keep drawing one artist for hundreds
    of cells or edges, while each still gets its own title. A PNG ignores links.
    """

    fig: Figure
    titles: dict[str, str] = field(default_factory=dict)

    def hover(self, artist: Artist, text: str) -> None:
        """Give ``artist`` the hover title ``text``."""
        artist.set_url(self._token(text))

    def hover_each(self, items: Collection, texts: Sequence[str]) -> None:
        """Give each item of ``items``, in drawing order, its hover title."""
        items.set_urls([self._token(text) for text in texts])

    def _token(self, text: str) -> str:
        token = f"#value-{len(self.titles)}"
        # Names are free text: a control character would make the SVG invalid XML.
        self.titles[token] = "".join(char for char in text if char.isprintable())
        return token

    def save(self, fmt: GraphFormat) -> bytes:
        """The drawing as PNG or SVG bytes."""
        if fmt == "svg":
            return svg_bytes(self.fig, self.titles)
        return png_bytes(self.fig)


@contextmanager
def figure(kind: GraphKind) -> Iterator[Sheet]:
    """A blank figure of the graph's size, released when the block ends."""
    fig = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES[kind]), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    try:
        yield Sheet(fig)
    finally:
        # Dropping the artists frees the bulk of the memory at once instead of whenever the
        # garbage collector breaks the figure's reference cycles.
        fig.clear()


def exact_hours(hours: float) -> str:
    """A value as a hover title gives it: hours to the hundredth (36 seconds)."""
    return f"{hours:.2f} h"


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes at exactly its pixel size."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def draw_header(fig: Figure, header: Header, ax: Axes | None = None) -> None:
    """The title on top of the figure, the subtitle (period, timezone) above ``ax``, or under
    the title when the figure has several panels with titles of their own."""
    if ax is not None:
        fig.suptitle(label(header.title, 50), fontsize=TITLE, color=INK, fontweight="bold")
        ax.set_title(label(header.subtitle, 72), fontsize=SMALL, color=SUBTLE, pad=8)
    else:
        # One suptitle of two lines: constrained layout leaves room for it, not for free text.
        title = label(header.title, 50)
        fig.suptitle(f"{title}\n{label(header.subtitle, 72)}", fontsize=TEXT, color=INK)


def hours_text(hours: float) -> str:
    """Compact duration: ``45 min``, ``3.5 h``, ``120 h``."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 10:
        return f"{hours:.1f} h"
    return f"{hours:.0f} h"


def empty_note(fig: Figure, text: str) -> None:
    """A centred note for a graph with nothing to show."""
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=TEXT, color=INK, wrap=True)

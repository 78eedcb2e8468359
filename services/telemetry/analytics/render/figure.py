"""What every graph shares: pixel sizes, the figure's life cycle, safe labels, colours.

Figures are built with ``matplotlib.figure.Figure`` and an Agg canvas, never through pyplot:
pyplot keeps every figure in a global registry until closed, which in a long-lived worker is a
leak waiting to happen and is not safe to share between concurrent renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from io import BytesIO

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from services.telemetry.analytics.charts import GraphKind, Header
from services.telemetry.analytics.render.sizes import DPI, PIXEL_SIZES

FONT_FAMILY = "DejaVu Sans"
MAX_LABEL = 22

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


@contextmanager
def figure(kind: GraphKind) -> Iterator[Figure]:
    """A blank figure of the graph's pixel size, released when the block ends."""
    width, height = PIXEL_SIZES[kind]
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    try:
        yield fig
    finally:
        # Dropping the artists frees the bulk of the memory at once instead of whenever the
        # garbage collector breaks the figure's reference cycles.
        fig.clear()


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes at exactly its pixel size."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def draw_header(fig: Figure, header: Header, ax: Axes | None = None) -> None:
    """The title on top of the figure, the subtitle (period, timezone) above ``ax``, or under
    the title when the figure has several panels with titles of their own."""
    if ax is not None:
        fig.suptitle(label(header.title, 80), fontsize=17, color=INK, fontweight="bold")
        ax.set_title(label(header.subtitle, 110), fontsize=11, color=SUBTLE, pad=10)
    else:
        # One suptitle of two lines: constrained layout leaves room for it, not for free text.
        title = label(header.title, 80)
        fig.suptitle(f"{title}\n{label(header.subtitle, 110)}", fontsize=14, color=INK)


def hours_text(hours: float) -> str:
    """Compact duration: ``45 min``, ``3.5 h``, ``120 h``."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 10:
        return f"{hours:.1f} h"
    return f"{hours:.0f} h"


def empty_note(fig: Figure, text: str) -> None:
    """A centred note for a graph with nothing to show."""
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=16, color=INK)

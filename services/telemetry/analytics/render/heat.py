"""Heat maps of hours with a number in each cell, shared by the inactive, timeline and day of
week graphs.

A cell can be ``None``: a week before recording began. It is drawn as "no data" (blank,
hatched), never as a zero, which would read as a member who stopped playing.

Cells are squares of a collection rather than one image: they stay sharp at any zoom in the
SVG, each carries its exact value as a hover title, and a collection of hundreds of cells
still draws as one artist (a patch per cell made a year's timeline several times slower).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.patches import Patch

from services.telemetry.analytics.render.figure import INK, SMALL, Sheet, exact_hours

NO_DATA = "#F2F2F2"
NO_DATA_TITLE = "no data (before the record began)"
NUMBERED_COLUMNS = 12
"""Most columns with a number in each cell: twelve cells share some 230 pt, 19 pt each,
room for "0.3" or "12" at ``SMALL``; more columns leave the numbers to the hover titles."""
LABELLED_COLUMNS = 4
"""Most column labels under a map: "07 Dec" at ``SMALL`` is about 33 pt wide, and a map can
be as narrow as 200 pt."""


def cell_text(hours: float | None) -> str:
    """A cell's number: people compare "0" with "0.3", colour alone hides that."""
    if hours is None:
        return ""
    if hours == 0:
        return "0"
    if hours < 0.1:
        return "<.1"
    return f"{hours:.1f}" if hours < 10 else f"{hours:.0f}"


def hours_grid(
    sheet: Sheet,
    ax: Axes,
    grid: Sequence[Sequence[float | None]],
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    legend: str,
    titles: tuple[Sequence[str], Sequence[str]] | None = None,
    numbers: bool = True,
) -> None:
    """``grid[row][column]`` hours as a heat map with labelled rows and columns.

    ``titles`` names the rows and the columns in the hover titles, when the labels drawn are
    abbreviated (a trend arrow, a short week label); by default the labels themselves.
    """
    row_titles, column_titles = titles or (rows, columns)
    cells = [(x, y, hours) for y, line in enumerate(grid) for x, hours in enumerate(line)]
    known = [(x, y, hours) for x, y, hours in cells if hours is not None]
    blank = [(x, y) for x, y, hours in cells if hours is None]
    top = max(max((hours for _, _, hours in known), default=0.0), 1.0)
    norm = Normalize(0, top)
    shades = colormaps["Blues"](norm(np.array([hours for _, _, hours in known], dtype=float)))
    filled = PolyCollection(
        [_square(x, y) for x, y, _ in known], facecolors=shades, edgecolors="white"
    )
    filled.set_linewidth(0.4)
    ax.add_collection(filled, autolim=False)
    sheet.hover_each(
        filled,
        [f"{row_titles[y]}, {column_titles[x]}: {exact_hours(hours)}" for x, y, hours in known],
    )
    if blank:
        empty = PolyCollection([_square(x, y) for x, y in blank], facecolors=NO_DATA)
        empty.set(hatch="..", edgecolor="#CCCCCC", linewidth=0)
        ax.add_collection(empty, autolim=False)
        sheet.hover_each(
            empty,
            [f"{row_titles[y]}, {column_titles[x]}: {NO_DATA_TITLE}" for x, y in blank],
        )
        ax.legend(
            handles=[Patch(facecolor=NO_DATA, hatch="..", edgecolor="#CCCCCC", label="no data")],
            loc="upper left",
            bbox_to_anchor=(0.0, -0.06),
            frameon=False,
            fontsize=SMALL,
        )
    _axes(ax, rows, columns)
    if numbers and len(columns) <= NUMBERED_COLUMNS:
        dark = top * 0.55
        for x, y, hours in cells:
            colour = "white" if hours is not None and hours > dark else INK
            text = cell_text(hours)
            ax.text(x, y, text, ha="center", va="center", fontsize=SMALL, color=colour)
    scale = ScalarMappable(norm, colormaps["Blues"])
    colorbar = sheet.fig.colorbar(scale, ax=ax, shrink=0.8, pad=0.01, aspect=30)
    colorbar.set_label(legend, fontsize=SMALL)
    colorbar.ax.tick_params(labelsize=SMALL)


def _square(x: int, y: int) -> list[tuple[float, float]]:
    return [(x - 0.5, y - 0.5), (x + 0.5, y - 0.5), (x + 0.5, y + 0.5), (x - 0.5, y + 0.5)]


def _axes(ax: Axes, rows: Sequence[str], columns: Sequence[str]) -> None:
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=SMALL)
    step = -(-len(columns) // LABELLED_COLUMNS)
    ax.set_xticks(
        range(0, len(columns), step), labels=list(columns)[::step], fontsize=SMALL, rotation=0
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

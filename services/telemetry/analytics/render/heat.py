"""Heat maps of hours with a number in each cell, shared by the inactive and timeline graphs.

A cell can be ``None``: a week before recording began. It is drawn as "no data" (blank,
hatched), never as a zero, which would read as a member who stopped playing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from services.telemetry.analytics.render.figure import INK

NO_DATA = "#F2F2F2"


def cell_text(hours: float | None) -> str:
    """A cell's number: people compare "0" with "0.3", colour alone hides that."""
    if hours is None:
        return ""
    if hours == 0:
        return "0"
    if hours < 0.1:
        return "<0.1"
    return f"{hours:.1f}" if hours < 10 else f"{hours:.0f}"


def hours_grid(
    fig: Figure,
    ax: Axes,
    grid: Sequence[Sequence[float | None]],
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    legend: str,
    numbers: bool = True,
) -> None:
    """``grid[row][column]`` hours as a heat map with labelled rows and columns."""
    values = np.array(
        [[np.nan if cell is None else cell for cell in line] for line in grid], dtype=float
    ).reshape(len(rows), len(columns))
    highest = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    top = max(highest, 1.0)
    image = ax.imshow(
        np.ma.masked_invalid(values),
        aspect="auto",
        cmap="Blues",
        vmin=0,
        vmax=top,
        origin="upper",
        interpolation="nearest",
    )
    missing = ~np.isfinite(values)
    if missing.any():
        for y, x in zip(*np.nonzero(missing), strict=True):
            ax.add_patch(
                Rectangle(
                    (x - 0.5, y - 0.5),
                    1,
                    1,
                    facecolor=NO_DATA,
                    hatch="..",
                    edgecolor="#CCCCCC",
                    linewidth=0,
                )
            )
        ax.legend(
            handles=[Patch(facecolor=NO_DATA, hatch="..", edgecolor="#CCCCCC", label="no data")],
            loc="upper left",
            bbox_to_anchor=(0.0, -0.08),
            frameon=False,
            fontsize=10,
        )
    ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=11 if len(rows) <= 25 else 9)
    step = max(1, len(columns) // 16)
    ax.set_xticks(
        range(0, len(columns), step),
        labels=list(columns)[::step],
        fontsize=10 if len(columns) <= 16 else 9,
        rotation=0 if len(columns) <= 16 else 45,
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if numbers and len(columns) <= 16:
        for y, line in enumerate(grid):
            for x, hours in enumerate(line):
                dark = hours is not None and hours > top * 0.55
                ax.text(
                    x,
                    y,
                    cell_text(hours),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if dark else INK,
                )
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.01)
    colorbar.set_label(legend, fontsize=11)

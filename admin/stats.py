"""``stats``: every graph of a database file (a backup) written into a folder.

The graphs are drawn as of the backup's last record, not as of today, so a backup copied off
the Pi gives the same graphs whenever it is read. Rendering is CPU work that takes seconds
per graph on a Pi: a progress bar shows it moving.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from admin.errors import AdminError, Exit
from services.telemetry.analytics.export import RenderProgress
from services.telemetry.dataset import render_database

BAR_WIDTH = 30


class ProgressBar:
    """``[#########---------] 3/9 duo-time``, redrawn in place on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._inline = out.isatty()

    def __call__(self, progress: RenderProgress) -> None:
        filled = BAR_WIDTH * progress.done // max(progress.total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"[{bar}] {progress.done}/{progress.total} {progress.path.name}"
        if self._inline:
            self.out.write(f"\r\x1b[K{line}")
            if progress.done == progress.total:
                self.out.write("\n")
        else:
            self.out.write(line + "\n")
        self.out.flush()


def render_graphs(database: Path, out_dir: Path, *, out: TextIO = sys.stderr) -> list[Path]:
    """Write every guild's graphs from ``database`` into ``out_dir`` (one folder per guild)."""
    if not database.is_file():
        raise AdminError(f"no database file at {database}", Exit.USAGE)
    if out_dir.exists() and not out_dir.is_dir():
        raise AdminError(f"{out_dir} exists and is not a folder", Exit.USAGE)
    try:
        return render_database(database, out_dir, progress=ProgressBar(out))
    except sqlite3.DatabaseError as error:
        raise AdminError(f"{database} is not a squadtime database: {error}", Exit.USAGE) from None


def stats(database: Path, out_dir: Path) -> Exit:
    """Render and say where the files are."""
    written = render_graphs(database, out_dir)
    if not written:
        print(f"{database} holds no guild yet: no graphs written")
    else:
        print(f"{len(written)} graphs written to {out_dir}")
    return Exit.OK

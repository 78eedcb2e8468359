"""stats: every graph of a database file written into a folder, with a progress bar."""

from __future__ import annotations

import io
import time
from pathlib import Path

from admin.stats import ProgressBar, render_graphs
from services.telemetry.analytics.export import GUILD_GRAPHS
from tests.admin.conftest import admin
from tests.services.telemetry.test_stats import fill

GUILD = 4242


def test_stats_writes_every_graph_with_progress(short_tmp: Path) -> None:
    """The seven guild graphs and members' weeks appear as PNGs; the bar counts up to the
    total."""
    database = short_tmp / "backup.db"
    fill(database, GUILD, [1, 2, 3, 4, 5], sessions=60, now=time.time())
    out = short_tmp / "graphs"
    done = admin("stats", str(database), str(out))
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (out / str(GUILD)).glob("*.png"))
    assert {f"{kind}.png" for kind in GUILD_GRAPHS} <= set(written)
    assert all(
        (out / str(GUILD) / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in written
    )
    bars = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(bars) == len(written)
    assert bars[-1].startswith("[" + "#" * 30 + f"] {len(written)}/{len(written)}")
    assert f"{len(written)} graphs written to {out}" in done.stdout


def test_progress_bar_redraws_in_place_on_a_terminal(short_tmp: Path) -> None:
    """On a terminal the bar rewrites one line and ends it when done."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    database = short_tmp / "backup.db"
    fill(database, GUILD, [1, 2, 3], sessions=20, now=time.time())
    screen = Terminal()
    written = render_graphs(database, short_tmp / "out", out=screen)
    assert screen.getvalue().count("\r\x1b[K") == len(written)
    assert screen.getvalue().endswith(f"{len(written)}/{len(written)} {written[-1].name}\n")
    assert isinstance(ProgressBar(screen), ProgressBar)


def test_stats_refuses_a_missing_or_foreign_file(short_tmp: Path) -> None:
    """No file, or a file that is not a squadtime database: exit status 2, a clear reason."""
    missing = admin("stats", str(short_tmp / "nope.db"), str(short_tmp / "out"))
    assert missing.returncode == 2
    assert "no database file at" in missing.stderr
    foreign = short_tmp / "notes.db"
    foreign.write_text("shopping list")
    wrong = admin("stats", str(foreign), str(short_tmp / "out"))
    assert wrong.returncode == 2
    assert "is not a squadtime database" in wrong.stderr

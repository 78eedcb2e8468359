"""The graphs benchmark, shrunk to a small year: it runs both trees and reports every graph
in both formats, with the baseline's PNG beside today's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.graphs import BASELINE, BASELINE_GRAPHS, counterparts
from services.telemetry.analytics.charts import GraphKind

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.fleet


@pytest.mark.timeout(300)
def test_a_small_run_reports_each_graph_as_png_and_svg_against_the_baseline(
    tmp_path: Path,
) -> None:
    """Every graph in PNG and SVG; the baseline's graphs in PNG."""
    command = [sys.executable, "-m", "bench.graphs", "--members", "20", "--sessions", "400"]
    command += ["--rounds", "1", "--out", str(tmp_path)]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=280, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert (figures["bench"], figures["baseline"]) == ("graphs", BASELINE)
    graphs = figures["graphs"]
    assert set(graphs) == {kind.value for kind in GraphKind}
    for name, row in graphs.items():
        assert row["png_bytes"] > 0
        assert row["svg_bytes"] > 0
        assert (tmp_path / f"{name}.svg").read_bytes().startswith(b"<?xml")
    # Compared with the baseline: the graphs it drew, under today's names.
    assert {name for name, row in graphs.items() if "baseline_png_seconds" in row} == set(
        counterparts(BASELINE_GRAPHS)
    )
    assert figures["slowest_png_vs_baseline"] == max(
        row.get("png_vs_baseline", 0.0) for row in graphs.values()
    )

"""Times the graphs of one source tree on one dataset; ``bench.graphs`` runs it once per tree.

Run as a script in a fresh interpreter whose first import path is the tree under test, so
that the same measuring code times today's graphs and a baseline commit's (extracted with
``git archive``) on the very same pickled dataset. It uses only what both have:
``GuildReport(dataset, now, days).chart(kind[, member])`` and ``render_png``, and
``render(kind, chart, "svg")`` where the tree has it.

Each graph is timed as ``/stats`` draws it: a fresh report (its analytics) then the drawing.
One graph is drawn before the timing, so matplotlib's imports and font cache are not charged
to the first graph. Prints one JSON object: per graph, seconds and bytes per format, and
the process's peak resident memory.

    python bench/graph_timing.py TREE DATASET.pickle NOW_ISO DAYS FORMATS OUT_DIR
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import time
from datetime import datetime
from pathlib import Path


def main(argv: list[str]) -> None:
    """Measure every graph kind the tree knows, in each of ``FORMATS`` (comma-separated)."""
    tree, dataset_path, now_text, days_text, formats_text, out_text = argv
    sys.path.insert(0, tree)
    from services.telemetry.analytics import render as rendering
    from services.telemetry.analytics.charts import Chart, GraphKind
    from services.telemetry.analytics.report import GuildReport

    dataset = pickle.loads(Path(dataset_path).read_bytes())  # noqa: S301 - our own file
    now, days = datetime.fromisoformat(now_text), int(days_text)
    formats, out = formats_text.split(","), Path(out_text)
    out.mkdir(parents=True, exist_ok=True)
    busiest = GuildReport(dataset, now, 7).members_in_voice_this_week()[0]

    def chart(kind: GraphKind) -> Chart:
        report = GuildReport(dataset, now, days)
        try:
            return report.chart(kind)
        except (TypeError, ValueError):  # a member's graph: "week" (or, before, "timeline")
            return report.chart(kind, busiest)

    def draw(kind: GraphKind, data: Chart, fmt: str) -> bytes:
        if fmt == "png":
            return rendering.render_png(kind, data)
        return rendering.render(kind, data, "svg")

    kinds = list(GraphKind)
    draw(kinds[0], chart(kinds[0]), formats[0])  # imports and font cache, untimed
    figures: dict[str, dict[str, float]] = {}
    for kind in kinds:
        began = time.perf_counter()
        data = chart(kind)
        analytics = time.perf_counter() - began
        row = {"analytics_seconds": round(analytics, 3)}
        for fmt in formats:
            began = time.perf_counter()
            image = draw(kind, data, fmt)
            row[f"{fmt}_seconds"] = round(analytics + time.perf_counter() - began, 3)
            row[f"{fmt}_bytes"] = len(image)
            (out / f"{kind.value}.{fmt}").write_bytes(image)
        figures[kind.value] = row
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"graphs": figures, "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main(sys.argv[1:])

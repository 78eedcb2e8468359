"""Every graph of a guild written to a folder, for the admin CLI and scheduled exports."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.telemetry.analytics.charts import GRAPHS, GraphKind
from services.telemetry.analytics.render import render_png
from services.telemetry.analytics.report import GuildReport
from services.telemetry.analytics.sessions import GuildDataset

log = logging.getLogger(__name__)

GUILD_GRAPHS = tuple(kind for kind in GraphKind if GRAPHS[kind].scope != "member")
"""The graphs of the whole guild; a graph of one member (``week``) is drawn per member."""


@dataclass(frozen=True, slots=True)
class RenderProgress:
    """Reported after each graph is written: ``done`` of ``total`` so far."""

    done: int
    total: int
    kind: GraphKind
    path: Path


def render_all(
    dataset: GuildDataset,
    now: datetime,
    out_dir: Path,
    *,
    days: int | None = None,
    week_members: Sequence[int] | None = None,
    progress: Callable[[RenderProgress], None] | None = None,
) -> list[Path]:
    """Write ``<graph>.png`` for each guild graph and ``week-<name>.png`` per
    member (``week_file``).

    Each graph covers its own default period unless ``days`` is given. Weeks are drawn for
    ``week_members``, or when it is ``None`` for every member with time in voice in the current
    local week. Returns the paths written, in order.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    reports: dict[int, GuildReport] = {}

    def report(kind: GraphKind) -> GuildReport:
        # Graphs sharing a period share one report, so its sweeps run once.
        period = kind.default_days if days is None else days
        if period not in reports:
            reports[period] = GuildReport(dataset, now, period)
        return reports[period]

    members = (
        report(GraphKind.WEEK).members_in_voice_this_week()
        if week_members is None
        else week_members
    )
    jobs: list[tuple[GraphKind, int | None, Path]] = [
        (kind, None, out_dir / f"{kind}.png") for kind in GUILD_GRAPHS
    ]
    taken: set[str] = set()
    jobs += [
        (GraphKind.WEEK, member, out_dir / week_file(dataset.roster.name(member), member, taken))
        for member in members
    ]
    written: list[Path] = []
    for done, (kind, member, path) in enumerate(jobs, start=1):
        path.write_bytes(render_png(kind, report(kind).chart(kind, member)))
        written.append(path)
        log.debug("wrote %s (%d/%d)", path, done, len(jobs))
        if progress is not None:
            progress(RenderProgress(done, len(jobs), kind, path))
    return written


def week_file(name: str, user_id: int, taken: set[str]) -> str:
    """A member's week's file name, ``week-<name>.png``: the name's letters and digits
    (lower case, others as ``-``), the user id added when that is empty or already taken
    (two members may share a display name), so an owner finds a member by name."""
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part)[:40]
    chosen = f"week-{slug}.png" if slug and f"week-{slug}.png" not in taken else ""
    if not chosen:
        chosen = f"week-{slug}-{user_id}.png" if slug else f"week-{user_id}.png"
    taken.add(chosen)
    return chosen

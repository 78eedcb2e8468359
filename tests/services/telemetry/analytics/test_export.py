"""render_all writes every graph to a folder and reports progress."""

from __future__ import annotations

from pathlib import Path

from services.telemetry.analytics.charts import GraphKind
from services.telemetry.analytics.export import (
    GUILD_GRAPHS,
    RenderProgress,
    render_all,
    week_file,
)
from services.telemetry.analytics.render import PIXEL_SIZES
from services.telemetry.analytics.report import GuildReport

from .builders import PARIS, community, local
from .pngs import assert_png

NOW = local(PARIS, 2025, 6, 1, 12)


def test_render_all_writes_every_guild_graph_with_progress(tmp_path: Path) -> None:
    """Each guild graph and the requested member's week are written, progress reported per
    graph."""
    dataset = community(seed=3)
    member = GuildReport(dataset, NOW, 30).members_in_voice_this_week()[0]
    seen: list[RenderProgress] = []
    written = render_all(
        dataset, NOW, tmp_path / "graphs", week_members=[member], progress=seen.append
    )
    names = [path.name for path in written]
    assert names[0] == "community.png"  # a graph's name is its file's
    assert names == [
        *(f"{kind}.png" for kind in GUILD_GRAPHS),
        week_file(dataset.roster.name(member), member, set()),
    ]
    total = len(GUILD_GRAPHS) + 1
    assert [(step.done, step.total) for step in seen] == [(n, total) for n in range(1, total + 1)]
    assert [step.path for step in seen] == written
    for path, step in zip(written, seen, strict=True):
        assert_png(path.read_bytes(), PIXEL_SIZES[step.kind])
    assert seen[-1].kind is GraphKind.WEEK


def test_render_all_draws_a_week_for_everyone_active_this_week(tmp_path: Path) -> None:
    """Without a member list, every member in voice this week gets their week drawn."""
    dataset = community(seed=3, sessions=80, members=8)
    active = GuildReport(dataset, NOW, 30).members_in_voice_this_week()
    written = render_all(dataset, NOW, tmp_path, days=7)
    weeks = sorted(path.name for path in written if path.name.startswith("week-"))
    taken: set[str] = set()
    assert weeks == sorted(week_file(dataset.roster.name(m), m, taken) for m in active)
    assert len(active) > 1


def test_week_files_are_named_after_members() -> None:
    """Names become file names an owner recognises; an empty or repeated one gets the id."""
    taken: set[str] = set()
    assert week_file("Gus", 1, taken) == "week-gus.png"
    assert week_file("gus", 2, taken) == "week-gus-2.png"
    assert week_file("Zoë ✨ the/../Great", 3, taken) == "week-zo-the-great.png"
    assert week_file("🎮🎮", 4, taken) == "week-4.png"
    assert week_file("", 5, taken) == "week-5.png"

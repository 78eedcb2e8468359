"""The project's own documentation: every setting in the table, every graph described, no link
out of the project."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from services.telemetry.analytics.charts import GraphKind

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = REPO / "docs" / "operations.md"
USING = REPO / "docs" / "using.md"
SETTING = re.compile(r"\bSQUADTIME_[A-Z0-9_]*[A-Z0-9]_?")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--", *patterns], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return [REPO / line for line in out.splitlines()]


def settings_read() -> set[str]:
    """Every SQUADTIME_* name in the code, scripts and configuration (tests aside)."""
    found: set[str] = set()
    for path in tracked("*.py", "*.sh", "*.conf", "*.service", "dev"):
        if path.is_relative_to(REPO / "tests"):
            continue
        found |= set(SETTING.findall(path.read_text()))
    return found


def settings_documented() -> set[str]:
    table = OPERATIONS.read_text().split("## Settings", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in SETTING.findall(row.split("|")[1])}


def test_every_setting_read_anywhere_is_in_the_settings_table() -> None:
    """docs/operations.md names each SQUADTIME_* variable the code reads (a prefix as NAME_)."""
    documented = settings_documented()
    assert documented, "no settings table in docs/operations.md"
    prefixes = {name for name in documented if name.endswith("_")}
    missing = {
        name
        for name in settings_read()
        if name not in documented
        and not any(name.startswith(p) for p in prefixes)
        # a family named in prose (SQUADTIME_VOICE_*) is documented by its members
        and not (name.endswith("_") and any(d.startswith(name) for d in documented))
    }
    assert missing == set()


def test_every_graph_is_described_in_the_stats_row() -> None:
    """docs/using.md's ``/stats graph`` row names each graph by its title, in bold."""
    row = next(line for line in USING.read_text().splitlines() if line.startswith("| `/stats"))
    assert [kind.label for kind in GraphKind if f"**{kind.label}**" not in row] == []


def test_no_document_links_outside_the_project() -> None:
    """Every relative link in a tracked Markdown file points at a file in the checkout."""
    broken = []
    for page in tracked("*.md"):
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(REPO) or not path.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert broken == []


SOURCE_PATH = re.compile(
    r"`((?:admin|bench|bus|deploy|docs|emulator|services|tests)/[\w./-]*\w)(?::\d+)?`"
)


def test_every_file_a_document_names_exists() -> None:
    """A path in backquotes under one of the project's folders (``services/web/ahead.py``)
    names a file or folder of the checkout: the docs follow the code when it moves."""
    missing = []
    for page in tracked("docs/*.md", "README.md", "tests/README.md"):
        for name in SOURCE_PATH.findall(page.read_text()):
            if "*" not in name and not (REPO / name).exists():
                missing.append(f"{page.relative_to(REPO)}: {name}")
    assert missing == []

"""The house's shape: no function of the program grows past what a reader takes in at once."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 60
"""Issue 26: a long function is usually a switchboard every feature lengthens; its arms
belong in the modules that own the work."""
OUTSIDE = ("bench/", "tests/")  # benchmarks and tests read top to bottom as scripts


def program_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--", "*.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return [REPO / line for line in out.splitlines() if not line.startswith(OUTSIDE)]


def long_functions(path: Path) -> list[str]:
    """``path:line name (lines)`` for each function of ``path`` longer than ``MAX_LINES``."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({length} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_LINES
    ]


def test_no_function_outside_bench_and_tests_is_over_60_lines() -> None:
    """Every function of the program, from its def to its last line, is 60 lines at most."""
    files = program_files()
    assert len(files) > 100  # the listing found the program
    assert [found for path in files for found in long_functions(path)] == []

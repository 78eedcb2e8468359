"""The house's shape: no function of the program grows past what a reader takes in at once,
and the layers import downwards only."""

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


def imported_modules(path: Path) -> set[str]:
    """The modules ``path`` imports, by their full dotted names."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_emulator_and_the_bus_never_import_a_service() -> None:
    """``emulator/`` and ``bus/`` import nothing from ``services/``: what both the bot and
    the emulator need (the calendar, background tasks) lives in ``bus/``."""
    files = [path for top in ("emulator", "bus") for path in (REPO / top).rglob("*.py")]
    assert len(files) > 40  # the walk found both packages
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in files
        for name in sorted(imported_modules(path))
        if name == "services" or name.startswith("services.")
    ]
    assert offenders == []


SERVICES = ("gateway", "scheduler", "voice", "telemetry", "web")


def test_services_never_import_each_other() -> None:
    """A service imports ``bus/``, the shared runtime and itself, never another service: what
    two services both need lives in ``services/runtime/`` or travels on the bus (the
    dashboard asks telemetry which graphs it draws, for one)."""
    offenders = []
    for service in SERVICES:
        files = list((REPO / "services" / service).rglob("*.py"))
        assert files, service
        others = [f"services.{other}" for other in SERVICES if other != service]
        offenders += [
            f"{path.relative_to(REPO)} imports {name}"
            for path in files
            for name in sorted(imported_modules(path))
            if any(name == other or name.startswith(f"{other}.") for other in others)
        ]
    assert offenders == []

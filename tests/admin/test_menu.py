"""The menu, driven through stdin without a terminal, runs the same actions as the subcommands."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from admin.__main__ import main
from admin.menu import menu
from tests.admin.conftest import admin
from tests.services.telemetry.test_stats import fill


def drive(answers: str) -> tuple[int, str]:
    """Feed the menu ``answers`` line by line; its exit status and everything it printed."""
    shown = io.StringIO()
    status = menu(io.StringIO(answers), shown, main)
    return status, shown.getvalue()


def test_menu_renders_graphs_from_a_chosen_file(short_tmp: Path) -> None:
    """Choosing 6 (stats), a database and a folder writes the graphs there."""
    database = short_tmp / "backup.db"
    fill(database, 7, [1, 2, 3], sessions=20, now=time.time())
    status, shown = drive(f"6\n{database}\n{short_tmp / 'out'}\nq\n")
    assert status == 0
    assert "stats: done" in shown
    assert (short_tmp / "out" / "7" / "community.png").is_file()


def test_menu_reports_a_failed_action_and_carries_on(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown service shows the error and its exit status, then the menu again."""
    monkeypatch.setenv("SQUADTIME_LOG_DIR", str(short_tmp))
    status, shown = drive("logs\ndashboard\n40\n\nq\n")
    assert status == 0
    assert "logs: exit status 2" in shown
    assert "unknown service 'dashboard'" in capsys.readouterr().err
    assert shown.count("q) quit") == 2


def test_menu_tells_bad_choices_and_stops_at_end_of_input() -> None:
    """A choice that does not exist is named; closing stdin leaves the menu cleanly."""
    status, shown = drive("9\n")
    assert status == 0
    assert "no such choice: '9'" in shown


def test_menu_cancels_when_an_answer_is_missing() -> None:
    """Deploy with an empty host is cancelled rather than run."""
    ran: list[Sequence[str]] = []

    def runner(argv: Sequence[str]) -> int:
        ran.append(argv)
        return 0

    status = menu(io.StringIO("7\n\nq\n"), io.StringIO(), runner)
    assert status == 0
    assert ran == []


def test_squadtime_admin_without_a_command_opens_the_menu() -> None:
    """With stdin a pipe, the bare command shows the menu and quits on 'q'."""
    done = admin()  # stdin is /dev/null: end of input at once
    assert done.returncode == 0
    assert "1) status" in done.stdout
    assert "7) deploy" in done.stdout

"""test: the admin runs the test suite and its exit status says whether it passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admin.conftest import admin


@pytest.mark.timeout(600)  # two pytest runs, each importing its plugins, on a loaded machine
def test_passing_and_failing_tests_give_the_right_status(short_tmp: Path) -> None:
    """A passing test file: 'tests passed', status 0; a failing one: 'tests failed', status 1."""
    good = short_tmp / "test_good.py"
    good.write_text('def test_ok() -> None:\n    """Passes."""\n    assert True\n')
    bad = short_tmp / "test_bad.py"
    bad.write_text('def test_no() -> None:\n    """Fails."""\n    assert False\n')
    passed = admin("test", str(good), "-q", "-p", "no:cacheprovider")
    assert passed.returncode == 0, passed.stdout
    assert "tests passed" in passed.stdout
    failed = admin("test", str(bad), "-q", "-p", "no:cacheprovider")
    assert failed.returncode == 1
    assert "tests failed" in failed.stdout


def test_help_lists_every_action_and_the_exit_statuses() -> None:
    """--help names each action and explains the exit statuses."""
    done = admin("--help")
    assert done.returncode == 0
    for action in ("status", "logs", "restart", "test", "backup", "stats", "deploy", "run"):
        assert f"    {action}" in done.stdout
    assert "3 the fleet or the host is unreachable" in " ".join(done.stdout.split())

"""logs: the end of one program's log, here or on the Pi."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.admin.conftest import Pi, admin, here

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(300)]


def test_logs_show_the_last_lines_of_the_service(pi: Pi) -> None:
    """-n 3 prints exactly the last three lines of the telemetry log."""
    done = admin("logs", "telemetry", "-n", "3", env=here(pi))
    assert done.returncode == 0, done.stderr
    shown = done.stdout.splitlines()
    assert len(shown) == 3
    log = pi.log("telemetry").splitlines()
    assert all(line in log for line in shown)


def test_logs_from_the_pi_over_ssh(pi: Pi) -> None:
    """--host prints the Pi's log of the gateway."""
    done = admin("logs", "gateway", "-n", "200", *pi.ssh_args())
    assert done.returncode == 0, done.stderr
    assert "gateway" in done.stdout


def test_logs_of_an_unknown_service_or_missing_file(short_tmp: Path) -> None:
    """An unknown service and a log that does not exist yet are both usage errors (2)."""
    env = {"SQUADTIME_LOG_DIR": str(short_tmp), "PATH": "/usr/bin"}
    unknown = admin("logs", "dashboard", env=env)
    assert unknown.returncode == 2
    assert "unknown service 'dashboard'" in unknown.stderr
    missing = admin("logs", "voice", env=env)
    assert missing.returncode == 2
    assert "no log yet" in missing.stderr

"""restart: one program (or all) is stopped and started again through supervisord."""

from __future__ import annotations

import json

import pytest

from tests.admin.conftest import Pi, admin, here

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(300)]


def pids(pi: Pi) -> dict[str, int]:
    report = json.loads(admin("status", "--json", "--listen", "0", env=here(pi)).stdout)
    return {service["name"]: service["pid"] for service in report["services"]}


def test_restart_one_service_gives_it_a_new_process(pi: Pi) -> None:
    """The scheduler gets a new pid, the others keep theirs, and the fleet is healthy again."""
    before = pids(pi)
    done = admin("restart", "scheduler", env=here(pi))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("scheduler: RUNNING")
    after = pids(pi)
    assert after["scheduler"] != before["scheduler"]
    assert after["telemetry"] == before["telemetry"]
    assert admin("status", "--wait", "30", env=here(pi)).returncode == 0


def test_restart_of_an_unknown_service_is_refused(pi: Pi) -> None:
    """A misspelt service: exit status 2 and the list of real ones; nothing restarted."""
    before = pids(pi)
    done = admin("restart", "schedular", env=here(pi))
    assert done.returncode == 2
    assert "unknown service 'schedular'" in done.stderr
    assert "bus, telemetry, gateway, scheduler, voice, web" in done.stderr
    assert pids(pi) == before

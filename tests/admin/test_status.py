"""status: each program's state, each service's heartbeat and counters, healthy or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from admin import status as module
from admin.errors import AdminError, Exit
from admin.fleet import PROGRAMS, SERVICES
from tests.admin.conftest import Pi, admin, here

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(300)]


def test_status_lists_every_service_up_and_healthy(pi: Pi) -> None:
    """The table has a RUNNING line per program, 'up' on the bus per service, and 'healthy'."""
    # --wait: the shared stand-in Pi has been through deploys and restarts by now; the test
    # is about the table, so it waits out a program that is still settling.
    done = admin("status", "--wait", "60", env=here(pi))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:-1]}
    assert set(lines) == set(PROGRAMS)
    assert all(lines[name][1] == "RUNNING" for name in PROGRAMS)
    assert all(lines[name][4] == "up" for name in SERVICES)
    assert done.stdout.splitlines()[-1] == "healthy"


def test_status_json_carries_the_counters(pi: Pi) -> None:
    """--json: one object with every service's pid, heartbeat age and counters."""
    done = admin("status", "--json", "--wait", "60", env=here(pi))
    report = json.loads(done.stdout)
    assert report["healthy"] is True
    services = {s["name"]: s for s in report["services"]}
    for name in SERVICES:
        assert services[name]["pid"] > 0
        assert services[name]["heartbeat_age"] < 30
        assert services[name]["rss_bytes"] > 0
        assert services[name]["dropped"] >= 0


def test_status_on_the_pi_over_ssh(pi: Pi) -> None:
    """--host runs the same status on the Pi and passes its answer and exit status back."""
    done = admin("status", "--wait", "60", *pi.ssh_args())
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "healthy"


def test_status_without_supervisord_is_unreachable(short_tmp: Path) -> None:
    """No supervisord: exit status 3 and how to start the bot."""
    done = admin("status", env={"SQUADTIME_RUNTIME_DIR": str(short_tmp), "PATH": "/usr/bin"})
    assert done.returncode == 3
    assert "supervisord is not running" in done.stderr
    assert "squadtime-admin run" in done.stderr


def test_waiting_outlasts_a_supervisord_still_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    """--wait keeps looking while supervisord's socket is not there yet, then reports healthy;
    without --wait the same state is an error at once."""
    up = [module.ServiceStatus(name, "RUNNING", 1, 1.0, 0.1) for name in PROGRAMS]
    answers: list[Exception | list[module.ServiceStatus]] = [
        AdminError("supervisord is not running", Exit.UNREACHABLE),
        AdminError("supervisord is not running", Exit.UNREACHABLE),
        up,
    ]

    def collect(env: object, listen: float) -> list[module.ServiceStatus]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(module, "collect", collect)
    monkeypatch.setattr(module, "RETRY", 0.0)
    assert module.status({}, listen=0.0, wait=3600.0, as_json=True) == Exit.OK
    assert answers == []
    answers[:] = [AdminError("supervisord is not running", Exit.UNREACHABLE)]
    with pytest.raises(AdminError):
        module.status({}, listen=0.0, wait=0.0, as_json=True)


def test_a_service_in_trouble_is_shown_and_makes_the_fleet_unhealthy() -> None:
    """Telemetry's heartbeat says 'disk full': its line says so and the verdict names it."""
    rows = [
        module.ServiceStatus(
            name, "RUNNING", 1, 1.0, 0.1, trouble="disk full" * (name == "telemetry")
        )
        for name in PROGRAMS
    ]
    shown = module.table(rows).splitlines()
    assert [line.split()[0] for line in shown if line.endswith("  disk full")] == ["telemetry"]
    assert shown[-1] == "NOT healthy: telemetry (disk full)"

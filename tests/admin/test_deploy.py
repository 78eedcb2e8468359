"""deploy: a release goes to the Pi over SSH, becomes live when healthy, rolls back when not."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from admin.deploy import OPTIONAL_ITEMS, RELEASE_ITEMS
from tests.admin.conftest import REPO, Pi, admin, here
from tests.helpers import not_private
from tests.locks import installed, pins

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(600)]


def broken_copy(target: Path) -> Path:
    """This checkout, except that its scheduler dies as soon as it starts and its lock file
    no longer has emoji (an upgrade that changed the lock)."""
    for item in (*RELEASE_ITEMS, *OPTIONAL_ITEMS):
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, target / item, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, target / item)
    (target / "services" / "scheduler" / "__main__.py").write_text(
        'raise SystemExit("this release is broken")\n'
    )
    lock = target / "requirements.lock"
    kept, keep = [], True
    for line in lock.read_text().splitlines():
        if line and line[0] not in " #-":
            keep = not line.startswith("emoji==")
        if keep:
            kept.append(line)
    lock.write_text("\n".join(kept) + "\n")
    return target


def test_first_deploy_installs_and_says_to_start_the_service(pi: Pi) -> None:
    """On a fresh Pi the release is installed and the owner is told to start the service."""
    out = pi.first_deploy.stdout
    assert "copying release" in out
    assert "start it with 'sudo systemctl enable --now squadtime'" in out
    assert (pi.root / "current" / "supervisord.conf").is_file()
    venv = pi.root / "current" / ".venv"
    assert not venv.is_symlink()  # each release its own venv
    assert installed(venv) == pins(pi.root / "current" / "requirements.lock")
    assert installed(pi.root / "tools") == {}  # the installer needed none of it


def test_deploy_goes_live_then_a_broken_release_is_rolled_back(pi: Pi, short_tmp: Path) -> None:
    """A healthy release replaces the running one; an unhealthy one is undone, exit status 1."""
    before = pi.current()
    good = admin("deploy", "--offline", "--health-timeout", "60", *pi.ssh_args())
    assert good.returncode == 0, good.stdout + good.stderr
    live = pi.current()
    assert live != before
    assert f"release {live} is live and healthy" in good.stdout
    assert admin("status", env=here(pi)).returncode == 0

    broken = admin(
        "deploy", "--offline", "--health-timeout", "15", "--source",
        str(broken_copy(short_tmp)), *pi.ssh_args(),
    )  # fmt: skip
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "is not healthy" in broken.stdout
    assert f"deploy failed; rolled back to {live}" in broken.stderr
    assert pi.current() == live
    venvs = {p.parent.name: installed(p) for p in (pi.root / "releases").glob("*/.venv")}
    assert any("emoji" not in packages for packages in venvs.values())  # B ran its own lock
    assert venvs[live] == pins(REPO / "requirements.lock")  # A's versions, exactly
    status = admin("status", env=here(pi))
    assert status.returncode == 0, status.stdout
    assert "healthy" in status.stdout.splitlines()[-1]
    assert "this release is broken" in pi.log("scheduler")
    # The pre-migration copies, the database and the logs of both releases: all private.
    assert not_private(pi.base / "data", pi.base / "log") == []


def test_deploy_to_an_unreachable_host_fails_clearly(pi: Pi) -> None:
    """Nobody listening on the SSH port: exit status 3 and ssh's reason, nothing changed."""
    before = pi.current()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = closed.getsockname()[1]
        done = admin("deploy", "--host", "127.0.0.1", "--port", str(port), "--root", str(pi.root))
    assert done.returncode == 3
    assert "cannot reach 127.0.0.1" in done.stderr
    assert pi.current() == before


def test_deploy_needs_a_host() -> None:
    """deploy without --host is a usage error that names the option."""
    done = admin("deploy")
    assert done.returncode == 2
    assert "--host" in done.stderr

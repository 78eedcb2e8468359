"""backup: a consistent copy taken by telemetry, here or on the Pi (then downloaded)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from tests.admin.conftest import Pi, admin, here

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(300)]


def tables(path: Path) -> set[str]:
    """The tables of a database file, checked for integrity first."""
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_backup_here_is_a_private_consistent_copy(pi: Pi, short_tmp: Path) -> None:
    """The file named on the command line is a readable, private copy of the live database."""
    target = short_tmp / "copy.db"
    done = admin("backup", str(target), env=here(pi))
    assert done.returncode == 0, done.stderr
    assert f"backup written to {target}" in done.stdout
    assert {"guilds", "members"} <= tables(target)
    assert target.stat().st_mode & 0o777 == 0o600


def test_backup_into_a_folder_gets_a_dated_name(pi: Pi, short_tmp: Path) -> None:
    """Given a folder, the backup gets a new dated name inside it."""
    done = admin("backup", str(short_tmp), env=here(pi))
    assert done.returncode == 0, done.stderr
    [made] = short_tmp.glob("squadtime-*.db")
    assert "guilds" in tables(made)


def test_backup_never_overwrites(pi: Pi, short_tmp: Path) -> None:
    """An existing file is refused with exit status 2 and left as it was."""
    target = short_tmp / "taken.db"
    target.write_text("mine")
    done = admin("backup", str(target), env=here(pi))
    assert done.returncode == 2
    assert "already exists" in done.stderr
    assert target.read_text() == "mine"


def test_backup_from_the_pi_is_downloaded_and_cleaned_up(pi: Pi, short_tmp: Path) -> None:
    """--host: telemetry on the Pi makes the copy, it lands here, the Pi keeps no extra file."""
    done = admin("backup", str(short_tmp), *pi.ssh_args())
    assert done.returncode == 0, done.stderr
    [downloaded] = short_tmp.glob("squadtime-*.db")
    assert f"downloaded to {downloaded}" in done.stdout
    assert {"guilds", "members"} <= tables(downloaded)
    assert downloaded.stat().st_mode & 0o777 == 0o600
    remote_backups = Path(pi.settings["SQUADTIME_DATA_DIR"]) / "backups"
    assert not list(remote_backups.glob("*.db"))


def test_backup_without_the_bot_running_says_so(short_tmp: Path) -> None:
    """No fleet: exit status 3 and which process to look at."""
    env = {
        "SQUADTIME_RUNTIME_DIR": str(short_tmp / "run"),
        "SQUADTIME_DATA_DIR": str(short_tmp / "data"),
        "PATH": "/usr/bin:/bin",
    }
    done = admin("backup", str(short_tmp / "x.db"), env=env, timeout=200)
    assert done.returncode == 3, done.stderr
    assert "the bus is not reachable" in done.stderr
    assert "is the bus process running?" in done.stderr

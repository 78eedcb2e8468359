"""restore: a checked backup takes the live database's place, and the bot carries on from it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from emulator import Emulator
from emulator.rules.options import OptionValue
from emulator.simulator.seen import SeenMessage
from services.telemetry.database import connect
from services.telemetry.schema import LATEST
from tests.admin.conftest import admin
from tests.faults.support import HEADER, HOURS, STEP, SupervisedFleet, Town, build_town
from tests.helpers import eventually, midday_zone, until_answered


def database_with(path: Path, names: list[str]) -> Path:
    """A squadtime database (this release's schema) holding ``names`` in a table of its own."""
    with contextlib.closing(connect(path)) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS probe (name TEXT)")
        connection.execute("DELETE FROM probe")
        connection.executemany("INSERT INTO probe VALUES (?)", [(n,) for n in names])
    return path


def names(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM probe")]


def env_for(root: Path) -> dict[str, str]:
    return {"SQUADTIME_DATA_DIR": str(root / "data"), "SQUADTIME_RUNTIME_DIR": str(root / "run")}


def test_a_backup_restored_into_a_fresh_install_replaces_nothing(short_tmp: Path) -> None:
    """No database yet: the backup becomes it, private; a second restore keeps the first aside."""
    backup = database_with(short_tmp / "backup.db", ["Ana", "Ben"])
    env = env_for(short_tmp / "pi")
    done = admin("restore", str(backup), env={**env, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    live = short_tmp / "pi" / "data" / "telemetry.db"
    assert names(live) == ["Ana", "Ben"]
    assert stat.S_IMODE(live.stat().st_mode) == 0o600
    assert f"restored {backup} (schema {LATEST})" in done.stdout

    database_with(backup, ["Cleo"])
    again = admin("restore", str(backup), env={**env, "PATH": "/usr/bin:/bin"})
    assert again.returncode == 0, again.stderr
    assert names(live) == ["Cleo"]
    (kept,) = live.parent.glob("telemetry.db.replaced-*")
    assert names(kept) == ["Ana", "Ben"]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_the_replaced_database_keeps_what_only_its_log_held(short_tmp: Path) -> None:
    """Telemetry killed, not stopped: the rows still in the write-ahead log are in the copy
    kept aside, not deleted with the log."""
    killed = short_tmp / "data" / "telemetry.db"
    database_with(killed, ["Ana"])
    writer = sqlite3.connect(killed, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # the rows stay in the log
        writer.execute("INSERT INTO probe VALUES ('Ben')")
        snapshot = short_tmp / "snapshot"
        snapshot.mkdir()
        for name in ("telemetry.db", "telemetry.db-wal"):
            shutil.copy(killed.with_name(name), snapshot / name)  # the files as a kill leaves them
    finally:
        writer.close()
    backup = database_with(short_tmp / "backup.db", ["Cleo"])
    done = admin(
        "restore",
        str(backup),
        env={"SQUADTIME_DATA_DIR": str(snapshot), "SQUADTIME_RUNTIME_DIR": str(short_tmp / "run")},
    )
    assert done.returncode == 0, done.stderr
    (kept,) = snapshot.glob("telemetry.db.replaced-*")
    assert names(kept) == ["Ana", "Ben"]
    assert names(snapshot / "telemetry.db") == ["Cleo"]


@pytest.mark.parametrize(
    ("content", "status", "reason"),
    [
        (None, 2, "is not a file"),
        (b"not a database at all" * 100, 2, "is not a squadtime backup"),
        (b"", 2, "holds no squadtime data"),
    ],
)
def test_what_is_not_a_backup_is_refused(
    short_tmp: Path, content: bytes | None, status: int, reason: str
) -> None:
    """A missing, foreign or empty file never replaces the live database."""
    live = database_with(short_tmp / "data" / "telemetry.db", ["Ana"])
    backup = short_tmp / "backup.db"
    if content is not None:
        backup.write_bytes(content)
    done = admin("restore", str(backup), env=env_for(short_tmp))
    assert done.returncode == status
    assert reason in done.stderr
    assert names(live) == ["Ana"]


def test_a_backup_of_a_newer_release_is_refused(short_tmp: Path) -> None:
    """Its schema is one this release cannot read: deploy that release first, the admin is told."""
    backup = database_with(short_tmp / "backup.db", ["Ana"])
    with contextlib.closing(sqlite3.connect(backup)) as connection:
        connection.execute(f"PRAGMA user_version = {LATEST + 1}")
    done = admin("restore", str(backup), env=env_for(short_tmp))
    assert done.returncode == 1
    assert "was made by a newer release" in done.stderr


async def _config(emu: Emulator, town: Town) -> SeenMessage:
    """The admin sets the guild up; today's message, with its reactions."""
    await eventually(
        lambda: "config" in {c.name for c in emu.world.commands.values()}, 2 * STEP, "commands"
    )
    steps: list[tuple[str, dict[str, OptionValue]]] = [
        ("config timezone", {"zone": midday_zone()}),
        ("config window", {"start": 12, "hours": len(HOURS)}),
        ("config time", {"time": "00:00"}),
        ("config channel", {"channel": town.text.id}),
    ]
    for command, options in steps:

        async def saved(command: str = command, options: dict[str, OptionValue] = options) -> bool:
            # Telemetry may still be starting: the admin asks again, as a person would.
            outcome = await emu.driver.slash(town.admin, town.text, command, options)
            return bool(outcome.message and outcome.message.content.startswith("Saved."))

        await until_answered(saved, 2 * STEP, f"/{command} saved")
    await eventually(lambda: bool(_posts(emu, town)), STEP, "today's message")
    return _posts(emu, town)[0]


def _posts(emu: Emulator, town: Town) -> list[SeenMessage]:
    return [m for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)]


@pytest.mark.fleet
@pytest.mark.within(300.0)
async def test_the_bot_carries_on_from_a_restored_backup_without_posting_again(
    short_tmp: Path,
) -> None:
    """A backup of a running bot, restored into a fresh install: the bot takes today's
    message up again (a click shows in it) and never posts a second one."""
    async with Emulator() as emu:
        town = build_town(emu, players=2)
        first = SupervisedFleet(short_tmp / "a", emu)
        (short_tmp / "a").mkdir()
        await first.start()
        try:
            message = await _config(emu, town)
            backup = short_tmp / "backup.db"
            taken = await asyncio.to_thread(admin, "backup", str(backup), env=first.env)
            assert taken.returncode == 0, taken.stderr
        finally:
            await first.close()

        second = SupervisedFleet(short_tmp / "b", emu)
        (short_tmp / "b").mkdir()
        restored = await asyncio.to_thread(admin, "restore", str(backup), env=second.env)
        assert restored.returncode == 0, restored.stderr
        await second.start()
        try:
            await emu.driver.react(town.players[0], message.id, HOURS[0])

            def shown() -> bool:
                return "player00" in emu.driver.message(message.id, town.admin).content

            await eventually(shown, 2 * STEP, "the click in the restored bot's message")
            assert len(_posts(emu, town)) == 1
        finally:
            await second.close()

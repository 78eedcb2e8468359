"""The daily backups telemetry takes by itself, how many it keeps, and where it copies them.

A Pi's SD card is the part likeliest to die, so a backup nobody remembers to take is no
backup. Telemetry owns the database and already copies it on request (``backup``); here it
also does so every ``every`` seconds (a day by default), counted from the newest backup in
the folder, so a restart neither skips one nor takes an extra. The newest ``keep`` are kept.

A copy that stays on the SD card dies with it: ``copy_to`` names where each new backup is
copied too, either a folder (a mounted USB stick: the same ``keep`` newest are kept there)
or ``[user@]host:folder``, reached with scp in batch mode (the bot user's SSH key; nothing
is deleted there). A copy that fails is logged and tried again with the next backup; the
local one is kept either way.

The schedule is operational, not community time: it runs on the real clock, re-read at
least once a minute so that a clock step moves a backup by at most that much.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bus.clock import WALL, Clock
from services.runtime.settings import SettingsError, number
from services.telemetry.backup import BackupError, backup_database

log = logging.getLogger(__name__)

NAME = re.compile(r"squadtime-\d{8}-\d{6}\.db")
"""A backup's file name: sorting the names sorts the backups by age."""
FIRST_AFTER = 3600.0
"""With no backup yet, the first comes this long after start (the fleet settles first)."""
RECHECK = 60.0
COPY_TIMEOUT = 600.0


def backup_name(moment: float) -> str:
    """``squadtime-YYYYmmdd-HHMMSS.db`` for the real instant ``moment`` (UTC)."""
    return f"squadtime-{datetime.fromtimestamp(moment, UTC):%Y%m%d-%H%M%S}.db"


def backups_in(folder: Path) -> list[Path]:
    """The backups in ``folder``, oldest first."""
    try:
        return sorted(p for p in folder.iterdir() if NAME.fullmatch(p.name))
    except FileNotFoundError:
        return []


def is_remote(copy_to: str) -> bool:
    """``host:folder`` (scp's form) rather than a local folder."""
    return ":" in copy_to and not copy_to.startswith(("/", "."))


@dataclass(frozen=True, slots=True)
class BackupPolicy:
    """When to take a backup, how many to keep, and where to copy each one.

    ``every``: real seconds between backups (0: none). ``ssh_config``: an ssh_config file
    for scp (default: the bot user's own ``~/.ssh/config``).
    """

    every: float = 86_400.0
    keep: int = 7
    copy_to: str = ""
    ssh_config: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BackupPolicy:
        """Read ``SQUADTIME_BACKUP_*``; raise SettingsError on a bad value."""
        copy_to = env.get("SQUADTIME_BACKUP_COPY_TO", "").strip()
        if copy_to and not is_remote(copy_to) and not Path(copy_to).is_absolute():
            raise SettingsError(
                f"SQUADTIME_BACKUP_COPY_TO={copy_to!r}: name an absolute folder or host:folder"
            )
        ssh_config = env.get("SQUADTIME_BACKUP_SSH_CONFIG", "").strip()
        return cls(
            every=number(env, "SQUADTIME_BACKUP_HOURS", 24.0, 0.0, 24.0 * 31) * 3600.0,
            keep=int(number(env, "SQUADTIME_BACKUP_KEEP", 7, 1, 1000)),
            copy_to=copy_to,
            ssh_config=Path(ssh_config) if ssh_config else None,
        )


def next_due(folder: Path, policy: BackupPolicy, started: float) -> float:
    """The real instant of the next backup: ``every`` after the newest, or soon after start."""
    newest = backups_in(folder)
    if not newest:
        return started + min(FIRST_AFTER, policy.every)
    with contextlib.suppress(OSError):
        return newest[-1].stat().st_mtime + policy.every
    return started


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; the ones deleted."""
    gone = backups_in(folder)[:-keep] if keep > 0 else []
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def copy_off(path: Path, policy: BackupPolicy) -> str:
    """Copy the backup ``path`` to ``policy.copy_to``; where it went. Raises OSError."""
    if is_remote(policy.copy_to):
        target = policy.copy_to.rstrip("/") + "/"
        options = ["-F", str(policy.ssh_config)] if policy.ssh_config else []
        done = subprocess.run(
            ["scp", "-B", "-q", "-p", "-o", "ConnectTimeout=20", *options, "--", str(path), target],
            capture_output=True,
            text=True,
            timeout=COPY_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            reason = done.stderr.strip().splitlines() or [f"scp exit status {done.returncode}"]
            raise OSError(reason[-1])
        return target + path.name
    folder = Path(policy.copy_to)
    if not folder.is_dir():
        raise OSError(f"{folder} is not a folder (is the USB stick mounted?)")
    partial = folder / f".{path.name}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out, path.open("rb") as source:
            shutil.copyfileobj(source, out)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(folder / path.name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    prune(folder, policy.keep)
    return str(folder / path.name)


def take_backup(database: Path, folder: Path, policy: BackupPolicy, moment: float) -> Path:
    """One scheduled backup: the copy, the pruning, the copy off the Pi; each step logged."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / backup_name(moment)
    # Written under a name no reader counts, then renamed: a backup cut short (a stop, a
    # full disk) is never taken for the newest one, nor makes a good old one be pruned.
    partial = folder / f".{target.name}.partial"
    partial.unlink(missing_ok=True)
    size = backup_database(database, partial)
    partial.replace(target)
    gone = prune(folder, policy.keep)
    log.info(
        "daily backup %s (%d bytes); %d kept, %d older removed",
        target, size, len(backups_in(folder)), len(gone),
    )  # fmt: skip
    if policy.copy_to:
        try:
            log.info("backup copied to %s", copy_off(target, policy))
        except (OSError, subprocess.TimeoutExpired) as error:
            log.warning("copying the backup to %s failed: %s", policy.copy_to, error)
    return target


async def keep_backing_up(
    database: Path, folder: Path, policy: BackupPolicy, wall: Clock = WALL
) -> None:
    """Take a backup into ``folder`` whenever one is due, until cancelled."""
    if policy.every <= 0:
        return
    due = next_due(folder, policy, wall.now())
    while True:
        delay = due - wall.now()
        if delay > 0:
            await asyncio.sleep(min(delay, RECHECK))
            continue
        try:
            await asyncio.to_thread(take_backup, database, folder, policy, wall.now())
        except BackupError as error:
            log.error("the daily backup failed: %s; trying again in an hour", error)  # noqa: TRY400 -- the reason is the whole story
            due = wall.now() + min(3600.0, policy.every)
            continue
        due = next_due(folder, policy, wall.now())

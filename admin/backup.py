"""``backup``: a consistent copy of the live database, taken by telemetry while it runs.

Telemetry owns the database, so the admin asks it (``Backup`` on the bus) for a copy made
with SQLite's backup API; ingestion goes on meanwhile. For a Pi, the same command runs
there over SSH and the file is then downloaded and checked against the size reported.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from admin.ask import ask_telemetry
from admin.errors import AdminError, Exit
from admin.remote import Host
from bus.protocol import Backup, BackupReply
from services.telemetry.daily_backups import backup_name as daily_backup_name

BACKUP_TIMEOUT = 120.0
"""A backup copies every page; a few hundred megabytes on an SD card take a while."""


def backup_name(now: datetime | None = None) -> str:
    """The name telemetry's daily backups have too: a manual one in the default folder
    counts among the daily ones (and is pruned with them; keep a keepsake elsewhere)."""
    return daily_backup_name((now or datetime.now(UTC)).timestamp())


def target_path(env: Mapping[str, str], destination: Path | None) -> Path:
    """Where the new file goes: a file path as given, or a new name in a folder."""
    if destination is None:
        folder = Path(env["SQUADTIME_DATA_DIR"]) / "backups"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / backup_name()
    destination = destination.expanduser().absolute()
    if destination.is_dir():
        return destination / backup_name()
    if destination.exists():
        raise AdminError(f"{destination} already exists; choose a new file", Exit.USAGE)
    if not destination.parent.is_dir():
        raise AdminError(f"{destination.parent} is not a folder", Exit.USAGE)
    return destination


async def request_backup(env: Mapping[str, str], path: Path) -> BackupReply:
    """Ask telemetry for a copy at ``path`` (on telemetry's machine)."""
    # One attempt: a retry of a backup that did happen would find its file taken.
    return await ask_telemetry(
        env,
        Backup(path=str(path)),
        expect=BackupReply,
        timeout=BACKUP_TIMEOUT,
        attempts=1,
        refused="telemetry refused the backup",
    )


def backup(env: Mapping[str, str], destination: Path | None, *, as_json: bool) -> Exit:
    """Take a backup on this machine and say where it is."""
    target = target_path(env, destination)
    reply = asyncio.run(request_backup(env, target))
    if as_json:
        print(json.dumps({"path": reply.path, "size_bytes": reply.size_bytes}))
    else:
        print(f"backup written to {reply.path} ({reply.size_bytes} bytes)")
    return Exit.OK


def backup_remote(host: Host, destination: Path | None, *, keep_remote: bool) -> Exit:
    """Take a backup on ``host``, download it to ``destination``, then remove the remote copy."""
    local = (destination or Path.cwd()).expanduser().absolute()
    if local.is_dir():
        local = local / backup_name()
    if local.exists():
        raise AdminError(f"{local} already exists; choose a new file", Exit.USAGE)
    if not local.parent.is_dir():
        raise AdminError(f"{local.parent} is not a folder", Exit.USAGE)
    host.check()
    answer = host.run(host.admin_command(["backup", "--json"]), timeout=BACKUP_TIMEOUT + 30)
    try:
        made = json.loads(answer.strip().splitlines()[-1])
        remote_path, size = str(made["path"]), int(made["size_bytes"])
    except (ValueError, KeyError, IndexError):
        raise AdminError(f"{host.target}: unexpected answer to backup: {answer!r}") from None
    _download(host, remote_path, size, local)
    if not keep_remote:
        host.run(f"rm -f -- {shlex.quote(remote_path)}", timeout=60)
    print(f"backup of {host.target} downloaded to {local} ({size} bytes)")
    return Exit.OK


def _download(host: Host, remote_path: str, size: int, local: Path) -> None:
    """Stream the remote file into a new private ``local`` file; no partial file is left."""
    # Created here, exclusively and private: the backup holds the community's data.
    descriptor = os.open(local, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            host.run(f"cat -- {shlex.quote(remote_path)}", timeout=600, stdout=stream)
    except BaseException:
        local.unlink(missing_ok=True)
        raise
    received = local.stat().st_size
    if received != size:
        local.unlink()
        raise AdminError(f"download of {remote_path} is incomplete ({received} of {size} bytes)")

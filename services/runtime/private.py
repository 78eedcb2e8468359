"""The bot's files are its own: 0600 files in 0700 folders, whatever umask it was started with.

The database, its copies and backups, the logs and the caches hold the community's data (who
played when) or what leads to it. Under systemd the unit sets ``UMask=0077``, but ``./dev run``
and a shell on the Pi start things with the usual 022, which would leave every new file
readable by any local user. So each process of the bot sets its own umask first thing
(``keep_private``), and the admin tightens what an older release left readable (``tighten``).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """From now on, this process and its children create files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)


def tighten(folder: Path) -> None:
    """Take group and other access away from ``folder`` and everything in it (links are left
    alone: what they point at is not ours to change)."""
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(FileNotFoundError):  # a log rotated meanwhile
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & PRIVATE_UMASK:
                path.chmod(stat.S_IMODE(info.st_mode) & ~PRIVATE_UMASK)

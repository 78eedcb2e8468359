"""The bot's files are private whatever the umask: a process's own, and what was left before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from services.runtime.private import tighten
from tests.helpers import not_private


def test_a_process_keeping_private_writes_0600_files_in_0700_folders(tmp_path: Path) -> None:
    """Started with umask 022, a process that keeps private writes nothing others can read."""
    probe = (
        "import pathlib, sys; from services.runtime.private import keep_private; keep_private();"
        "folder = pathlib.Path(sys.argv[1]) / 'made'; folder.mkdir();"
        "(folder / 'file').write_text('data')"
    )
    subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], check=True, timeout=60, umask=0o022
    )
    assert not_private(tmp_path / "made") == []


def test_tighten_takes_group_and_other_access_away(tmp_path: Path) -> None:
    """A 0755 folder and 0644 and 0755 files left by an older run become 0700, 0600 and 0700;
    a link is not followed."""
    folder = tmp_path / "log"
    (folder / "old").mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    (folder / "old").chmod(0o755)
    log = folder / "old" / "web.log"
    log.write_text("line\n")
    log.chmod(0o644)
    script = folder / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    outside = tmp_path / "outside"
    outside.write_text("not ours\n")
    outside.chmod(0o644)
    (folder / "link").symlink_to(outside)
    tighten(folder)
    assert not_private(folder) == []
    assert os.stat(script).st_mode & 0o777 == 0o700
    assert outside.stat().st_mode & 0o777 == 0o644

"""``install``: give a release its own virtual environment, exactly as its lock file says.

Each release gets ``<release>/.venv``, made by uv from the release's ``requirements.lock``
(every package pinned with its files' hashes, resolved for x86-64 and aarch64, Python 3.12
and 3.13): the Pi runs exactly what CI tested, and a rollback is a switch back to a release
whose environment nobody touched. Binary wheels only, since a Pi has no compiler;
python-louvain, pure Python with no wheel, is the one package built from its source.
uv links the files from its cache, so a release whose lock did not change costs a second
and little disk, and ``--offline`` installs from that cache alone.

This runs before any of the bot's packages exist, with the host's tools environment (the
one holding uv): it imports nothing outside the standard library, and neither may the
admin CLI on its way here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from admin.errors import AdminError, Exit

LOCK = "requirements.lock"
BINARY_ONLY = ("--only-binary", ":all:", "--no-binary", "python-louvain")
"""As ``./dev lock`` resolved it: wheels only, but for python-louvain."""
SOURCES = ("bus", "services", "admin", "emulator")
"""The release's own packages, byte-compiled here: at run time the release is read-only."""


def default_uv() -> Path:
    """uv beside the Python running this (the host's tools environment), else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return beside
    found = shutil.which("uv")
    if found is None:
        raise AdminError(
            "uv is not installed here: run deploy/install.sh on the host (it puts uv in"
            " <root>/tools), or name it with --uv",
            Exit.USAGE,
        )
    return Path(found)


def _run(argv: Sequence[str | os.PathLike[str]], what: str) -> None:
    done = subprocess.run(list(argv), check=False, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise AdminError(f"{what} failed: " + " / ".join(detail))


def install(release: Path, *, uv: Path, offline: bool) -> Exit:
    """Make ``release``/.venv hold exactly the packages of ``release``/requirements.lock."""
    lock = release / LOCK
    if not lock.is_file():
        raise AdminError(f"{release} has no {LOCK}: not a release", Exit.USAGE)
    venv = release / ".venv"
    network = ["--offline"] if offline else []
    # --clear: an install cut short (a lost SSH session) is started again from nothing.
    _run([uv, "venv", "--quiet", "--clear", "--python", sys.executable, venv], "making the venv")
    python = venv / "bin" / "python"
    _run(
        [
            uv, "pip", "sync", "--quiet", "--python", python, "--require-hashes",
            "--compile-bytecode", *BINARY_ONLY, *network, lock,
        ],
        f"installing {LOCK}",
    )  # fmt: skip
    sources = [str(release / name) for name in SOURCES if (release / name).is_dir()]
    _run([python, "-m", "compileall", "-q", *sources], "byte-compiling the release")
    pinned = sum(1 for line in lock.read_text(encoding="utf-8").splitlines() if "==" in line)
    print(f"{release.name}: {pinned} locked packages in {venv}")
    return Exit.OK

"""install: a release's own venv holds exactly its lock, put there by a Python with nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

from tests.admin.conftest import REPO, make_tools
from tests.locks import LOCK, installed, pins


def blocks(*names: str) -> str:
    """The pins of requirements.lock named here, each with its hashes, as a lock of their own."""
    kept: list[str] = []
    keep = False
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and line[0] not in " #-":
            keep = canonicalize_name(line.split("==")[0]) in names
        if keep:
            kept.append(line)
    return "\n".join(kept) + "\n"


def release(folder: Path, lock: str) -> Path:
    """A release with the admin CLI and the given lock file, nothing installed."""
    folder.mkdir()
    for package in ("admin", "bus"):
        shutil.copytree(REPO / package, folder / package, ignore=shutil.ignore_patterns("*.pyc"))
    (folder / "requirements.lock").write_text(lock)
    return folder


def install(tools: Path, where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m admin install`` run in ``where`` by the tools Python, as the deploy does."""
    return subprocess.run(
        [str(tools / "bin" / "python"), "-m", "admin", "install", "--offline", *args],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_python_without_packages_installs_exactly_the_lock(short_tmp: Path) -> None:
    """The tools Python holds no package, yet installs the lock; a changed lock is followed."""
    make_tools(short_tmp)
    tools = short_tmp / "tools"
    assert set(installed(tools)) == set()  # not even pip: the installer needs nothing
    first = release(short_tmp / "a", blocks("emoji", "idna"))
    done = install(tools, first)
    assert done.returncode == 0, done.stderr
    assert "a: 2 locked packages" in done.stdout
    assert installed(first / ".venv") == pins(first / "requirements.lock")
    assert list((first / "admin").glob("__pycache__/*.pyc")), "the release is byte-compiled"

    (first / "requirements.lock").write_text(blocks("idna"))
    again = install(tools, first)
    assert again.returncode == 0, again.stderr
    assert installed(first / ".venv") == {"idna": pins(LOCK)["idna"]}  # emoji is gone


def test_a_folder_without_a_lock_is_not_a_release(short_tmp: Path) -> None:
    """Exit status 2 and the reason, nothing made."""
    make_tools(short_tmp)
    folder = release(short_tmp / "r", "")
    (folder / "requirements.lock").unlink()
    done = install(short_tmp / "tools", folder)
    assert done.returncode == 2
    assert "has no requirements.lock: not a release" in done.stderr
    assert not (folder / ".venv").exists()


def test_a_hash_that_does_not_match_is_refused(short_tmp: Path) -> None:
    """A lock whose hashes are not the files' installs nothing: exit status 1, uv's reason."""
    make_tools(short_tmp)
    forged = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, blocks("idna"))
    folder = release(short_tmp / "r", forged)
    done = install(short_tmp / "tools", folder)
    assert done.returncode == 1
    assert "installing requirements.lock failed" in done.stderr
    assert "idna" not in installed(folder / ".venv")


def test_the_admin_cli_starts_without_its_packages() -> None:
    """squadtime-admin --help runs on a bare Python: no import of the bot's packages."""
    program = (
        "import runpy, sys; sys.path.insert(0, '.'); sys.argv = ['admin', 'install', '--help'];"
        " runpy.run_module('admin', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", program],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "by the host's tools Python" in done.stdout

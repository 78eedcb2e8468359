"""``install``: put a release's Python dependencies into the virtual environment it runs in.

A release is a source tree run in place (supervisord starts ``python -m <service>`` in
it), so the environment needs only its dependencies, read from its ``pyproject.toml``.
Requirements already met cost no download, which is what makes ``--offline`` possible.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from admin.errors import AdminError, Exit


def dependencies(release: Path) -> list[str]:
    """The requirement strings of the release's ``pyproject.toml``."""
    try:
        project = tomllib.loads((release / "pyproject.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AdminError(f"{release} has no pyproject.toml: not a release", Exit.USAGE) from None
    return [str(requirement) for requirement in project["project"]["dependencies"]]


def install(release: Path, *, offline: bool) -> Exit:
    """``pip install`` the release's dependencies into this interpreter's environment."""
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if offline:
        argv.append("--no-index")
    done = subprocess.run([*argv, *dependencies(release)], check=False, capture_output=True)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise AdminError("installing the dependencies failed: " + " / ".join(detail))
    print(f"dependencies of {release.name} installed")
    return Exit.OK

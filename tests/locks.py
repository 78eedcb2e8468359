"""Reading the lock files and what a venv holds, for the tests that compare them."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
DEV_LOCK = REPO / "requirements-dev.lock"
TOOLS_LOCK = REPO / "deploy" / "tools.lock"


def pins(lock: Path, *, every_machine: bool = False) -> dict[str, str]:
    """The lock's ``name == version`` pins, by canonical name.

    Only those whose markers hold on this interpreter, unless ``every_machine``.
    """
    found: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in " #-":
            continue  # hashes, comments and options
        requirement = Requirement(line.rstrip(" \\"))
        marker = requirement.marker
        if marker is not None and not every_machine and not marker.evaluate():
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", line
        found[canonicalize_name(requirement.name)] = spec.version
    return found


def hashes(lock: Path) -> dict[str, int]:
    """How many file hashes each pin of the lock carries."""
    counted: dict[str, int] = {}
    name = ""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line and line[0] not in " #-":
            name = canonicalize_name(Requirement(line.rstrip(" \\")).name)
            counted[name] = 0
        elif "--hash=sha256:" in line:
            counted[name] += 1
    return counted


def installed(venv: Path) -> dict[str, str]:
    """The distributions in ``venv``'s site-packages, by canonical name."""
    (site,) = venv.glob("lib/python3.*/site-packages")
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions(path=[str(site)])
    }

"""The lock files: complete, hashed, one within the other, and what this venv runs."""

from __future__ import annotations

import importlib.metadata
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.locks import DEV_LOCK, LOCK, REPO, TOOLS_LOCK, hashes, pins


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(text) for text in listed]


def unmet(wanted: list[Requirement], locked: dict[str, str]) -> list[str]:
    return [
        str(requirement)
        for requirement in wanted
        if locked.get(canonicalize_name(requirement.name)) is None
        or not requirement.specifier.contains(locked[canonicalize_name(requirement.name)])
    ]


def test_every_requirement_of_pyproject_is_locked() -> None:
    """A dependency added to pyproject.toml without './dev lock' fails here, by name."""
    assert unmet(requirements(), pins(LOCK, every_machine=True)) == []
    dev = pins(DEV_LOCK, every_machine=True)
    assert unmet([*requirements(), *requirements("dev")], dev) == []


def test_the_bots_lock_is_the_tests_lock_less_the_tools() -> None:
    """Each version a Pi installs is the version CI tested."""
    dev = pins(DEV_LOCK, every_machine=True)
    differ = {
        name: (version, dev.get(name))
        for name, version in pins(LOCK, every_machine=True).items()
        if dev.get(name) != version
    }
    assert differ == {}
    assert "pytest" not in pins(LOCK, every_machine=True)  # the Pi gets no test tools


def test_every_pin_carries_its_hashes() -> None:
    """Installs are hash-checked: a pin without a hash would be refused, so none exists."""
    for lock in (LOCK, DEV_LOCK, TOOLS_LOCK):
        assert [name for name, count in hashes(lock).items() if count == 0] == [], lock.name


def test_the_installer_is_the_locked_uv() -> None:
    """deploy/tools.lock pins the uv that requirements-dev.lock has, and nothing else."""
    assert pins(TOOLS_LOCK) == {"uv": pins(DEV_LOCK)["uv"]}


def test_this_venv_runs_the_locked_versions() -> None:
    """The tests run on exactly requirements-dev.lock (./dev syncs it)."""
    here: dict[str, str] = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    differ = {
        name: (version, here.get(name))
        for name, version in pins(DEV_LOCK).items()
        if here.get(name) != version
    }
    assert differ == {}

"""A stand-in Raspberry Pi: an SSH server on 127.0.0.1 and an install tree in a temporary folder.

The "Pi" gets its first release through ``squadtime-admin deploy`` (as after
deploy/install.sh), then supervisord is started from ``<root>/current`` the way the systemd
unit starts it, with the gateway logged in to an emulated Discord. The tests of this folder
share it: status, logs, restart and backup look at its fleet, deploy replaces its release.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.admin.sshd import ALIAS, SSHServer, start_sshd

REPO = Path(__file__).resolve().parents[2]
TOKEN = "pi-token"


@dataclass
class Pi:
    """The stand-in Pi and its running fleet."""

    base: Path
    root: Path
    env_file: Path
    settings: dict[str, str]
    ssh: SSHServer
    first_deploy: subprocess.CompletedProcess[str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def ssh_args(self) -> list[str]:
        """The options that point a subcommand at this Pi."""
        return [
            "--host", ALIAS, "--ssh-config", str(self.ssh.config),
            "--root", str(self.root), "--env-file", str(self.env_file),
        ]  # fmt: skip

    def current(self) -> str:
        """The release ``current`` points at."""
        return os.readlink(self.root / "current").removeprefix("releases/")

    def log(self, program: str) -> str:
        return (Path(self.settings["SQUADTIME_LOG_DIR"]) / f"{program}.log").read_text()


def admin(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``squadtime-admin ARGS`` from the checkout, without a terminal, as a script runs it."""
    return subprocess.run(
        [sys.executable, "-m", "admin", *args],
        cwd=REPO,
        env=env if env is not None else dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def demo_process(state: Path, options: Sequence[str], **streams: Any) -> subprocess.Popen[Any]:
    """``squadtime-admin run`` without a token (the demo on the emulator) kept in ``state``.

    Its runtime folder is ``state/run``, heartbeats come every second so a stopped program
    shows soon, and the dashboard takes any free port: tests run side by side. ``streams``
    are Popen's own (where its output goes, ``text``, ``umask``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_TOKEN")}
    env |= {
        "SQUADTIME_RUNTIME_DIR": str(state / "run"),
        "SQUADTIME_HEARTBEAT_SECONDS": "1",
        "SQUADTIME_WEB_PORT": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "admin", "--state-dir", str(state), "run", *options],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        **streams,
    )


def here(pi: Pi) -> dict[str, str]:
    """The environment of a shell on the Pi (its settings file loaded)."""
    return {**os.environ, **pi.settings}


def make_tools(root: Path) -> None:
    """``<root>/tools`` as deploy/install.sh leaves it: a Python with uv and nothing else.

    uv is this checkout's (the same pinned version); every package a release needs comes
    from its own lock file at deploy, out of uv's cache (``--offline``), never from here.
    """
    tools = root / "tools"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tools)], check=True)
    (tools / "bin" / "uv").symlink_to(Path(sys.executable).parent / "uv")


def write_settings(base: Path, discord_url: str) -> tuple[dict[str, str], Path]:
    """The Pi's settings, and its settings file (0600) as install.sh leaves it."""
    settings = {
        "SQUADTIME_RUNTIME_DIR": str(base / "run"),
        "SQUADTIME_DATA_DIR": str(base / "data"),
        "SQUADTIME_LOG_DIR": str(base / "log"),
        "SQUADTIME_HEARTBEAT_SECONDS": "0.5",
        "SQUADTIME_DISCORD_API": f"{discord_url}/api/v10",
        "DISCORD_TOKEN": TOKEN,
        "SQUADTIME_WEB_PORT": "0",  # the dashboard on any free port: tests run side by side
    }
    for folder in ("run", "data", "log"):
        (base / folder).mkdir(mode=0o700)
    env_file = base / "squadtime.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    env_file.chmod(0o600)
    return settings, env_file


def start_supervisord(pi: Pi) -> subprocess.Popen[bytes]:
    """supervisord from the current release, as deploy/squadtime.service starts it."""
    current = pi.root / "current"
    return subprocess.Popen(
        [
            str(current / ".venv" / "bin" / "python"),
            "-m",
            "supervisor.supervisord",
            "-c",
            str(current / "supervisord.conf"),
        ],
        env=here(pi),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        umask=0o077,  # as deploy/squadtime.service's UMask=0077 starts it
    )


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Each process terminated, killed if it does not stop within a minute."""
    for process in processes:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="package")
def pi() -> Iterator[Pi]:
    """A Pi with one release deployed and its fleet running; everything stopped afterwards."""
    base = Path(tempfile.mkdtemp(prefix="sqt-", dir="/tmp"))
    base.chmod(0o700)
    processes: list[subprocess.Popen[bytes]] = []
    ssh = start_sshd(base / "ssh")
    try:
        discord = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--token", TOKEN],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        processes.append(discord)
        assert discord.stdout is not None
        url = discord.stdout.readline().decode().strip()
        root = base / "opt"
        root.mkdir()
        make_tools(root)
        settings, env_file = write_settings(base, url)
        first = Pi(base, root, env_file, settings, ssh, subprocess.CompletedProcess([], 0))
        first.first_deploy = admin("deploy", "--offline", *first.ssh_args())
        assert first.first_deploy.returncode == 0, first.first_deploy.stderr
        processes.insert(0, start_supervisord(first))
        healthy = admin("status", "--wait", "60", env=here(first))
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        first.processes = processes
        yield first
    finally:
        stop(processes)
        ssh.close()
        shutil.rmtree(base, ignore_errors=True)

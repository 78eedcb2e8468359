"""A throw-away OpenSSH server on 127.0.0.1 for the deploy and backup tests.

Keys (the host's and the client's) are made in a temporary folder; the client reaches the
server through an SSH config file whose host alias is ``pi``. The port is chosen by trying:
sshd binds it itself and says so in its log, or the next port is tried — never "find a free
port, then bind it later".
"""

from __future__ import annotations

import getpass
import os
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import wait_until

SSHD = "/usr/sbin/sshd"
ALIAS = "pi"
PORT_TRIES = 20


def sshd_or_fail() -> str:
    """The sshd binary; a CI run fails without it (./dev installs openssh-server), else skips."""
    found = shutil.which("sshd") or (SSHD if os.access(SSHD, os.X_OK) else None)
    if found is None:
        message = "openssh-server is not installed (./dev setup installs it for the tests)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return found


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "squadtime-test", "-f", str(path)],
        check=True,
        timeout=30,
    )


@dataclass
class SSHServer:
    process: subprocess.Popen[bytes]
    port: int
    config: Path
    """The client's SSH config: ``ssh -F config pi`` logs in."""

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def start_sshd(folder: Path) -> SSHServer:
    """An sshd for the current user, logging in with a key made here."""
    sshd = sshd_or_fail()
    folder.mkdir(mode=0o700, exist_ok=True)
    _keygen(folder / "host_key")
    _keygen(folder / "id")
    authorized = folder / "authorized_keys"
    shutil.copy(folder / "id.pub", authorized)
    authorized.chmod(0o600)
    server_config = folder / "sshd_config"
    server_config.write_text(
        f"ListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
        f"AuthorizedKeysFile {authorized}\nPidFile {folder / 'sshd.pid'}\n"
        "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nX11Forwarding no\n"
        # scp speaks SFTP since OpenSSH 9 (the backups' copy off the Pi uses it)
        "Subsystem sftp internal-sftp\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    rng = random.Random()
    for _ in range(PORT_TRIES):
        port = rng.randint(20000, 60000)
        log = folder / f"sshd-{port}.log"
        process = subprocess.Popen(
            [sshd, "-D", "-f", str(server_config), "-p", str(port), "-E", str(log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def settled(log: Path = log, process: subprocess.Popen[bytes] = process) -> bool:
            text = log.read_text() if log.exists() else ""
            return "Server listening on" in text or process.poll() is not None

        wait_until(settled, 20, "sshd to listen or give up")
        if process.poll() is None:
            break
    else:
        raise AssertionError(f"sshd could not bind any of {PORT_TRIES} ports; see {folder}")
    host_key = (folder / "host_key.pub").read_text().split()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    client_config = folder / "ssh_config"
    client_config.write_text(
        f"Host {ALIAS}\n  HostName 127.0.0.1\n  Port {port}\n  User {getpass.getuser()}\n"
        f"  IdentityFile {folder / 'id'}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {folder / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
        "  LogLevel ERROR\n"
    )
    return SSHServer(process, port, client_config)

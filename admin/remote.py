"""A Pi (or any host) reached over SSH: run commands there, stream files both ways.

Only the OpenSSH client is used, in batch mode (keys, never a password prompt), so the
owner's own ``~/.ssh/config``, agent and known hosts apply. A connection failure
(ssh's status 255) becomes an "unreachable" error with ssh's own reason.

The commands that reach a host take the same options (``ssh_options``); status, logs and
restart run their own command line there (``on_host``), minus those options.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from admin.errors import AdminError, Exit

SSH_UNREACHABLE = 255
DEFAULT_ROOT = "/opt/squadtime"
DEFAULT_ENV_FILE = "/etc/squadtime/squadtime.env"
SSH_OPTIONS = ("--host", "--port", "--identity", "--ssh-config", "--root", "--env-file")
"""What ``ssh_options`` adds; every one takes a value."""


@dataclass(frozen=True, slots=True)
class Host:
    """Where the bot is installed on the remote machine, and how to get there."""

    target: str
    """``user@host`` or an alias of the SSH config."""
    port: int | None = None
    identity: Path | None = None
    ssh_config: Path | None = None
    root: str = DEFAULT_ROOT
    """Holds ``releases/``, the ``current`` link and ``venv/`` (see deploy/install.sh)."""
    env_file: str = DEFAULT_ENV_FILE
    connect_timeout: int = 10

    def ssh_argv(self, command: str) -> list[str]:
        argv = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={self.connect_timeout}"]
        if self.ssh_config is not None:
            argv += ["-F", str(self.ssh_config)]
        if self.port is not None:
            argv += ["-p", str(self.port)]
        if self.identity is not None:
            argv += ["-i", str(self.identity)]
        return [*argv, "--", self.target, command]

    def run(
        self,
        command: str,
        *,
        timeout: float,
        stdin: bytes | None = None,
        stdout: BinaryIO | None = None,
    ) -> str:
        """Run ``command`` in the remote shell; its output, or AdminError if it failed."""
        try:
            done = subprocess.run(
                self.ssh_argv(command),
                input=stdin,
                stdout=stdout if stdout is not None else subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AdminError(f"{self.target}: no answer within {timeout:.0f} s") from None
        except FileNotFoundError:
            raise AdminError("the ssh client is not installed here", Exit.UNREACHABLE) from None
        error = done.stderr.decode(errors="replace").strip()
        if done.returncode == SSH_UNREACHABLE:
            reason = error.splitlines()[-1] if error else "ssh failed"
            raise AdminError(f"cannot reach {self.target}: {reason}", Exit.UNREACHABLE)
        output = "" if stdout is not None else done.stdout.decode(errors="replace")
        if done.returncode != 0:
            detail = (error or output).strip().splitlines()[-3:]
            raise RemoteFailed(self.target, done.returncode, "\n".join(detail), output)
        return output

    def shell(self, directory: str, command: str) -> str:
        """``command`` run in ``directory`` with the bot's settings (its env file) loaded."""
        env = shlex.quote(self.env_file)
        return (
            f"test -r {env} || {{ echo 'no settings file {env} (see deploy/install.sh)' >&2;"
            f" exit 2; }}; set -a && . {env} && set +a && cd {shlex.quote(directory)} && {command}"
        )

    def admin_command(self, args: Sequence[str], directory: str | None = None) -> str:
        """``squadtime-admin ARGS`` as run on the host from a release (the current one)."""
        where = directory or f"{self.root}/current"
        quoted = " ".join(shlex.quote(a) for a in args)
        return self.shell(where, f"exec .venv/bin/python -m admin {quoted}")

    def check(self) -> None:
        """Fail early, with ssh's reason, when the host cannot be reached."""
        self.run("true", timeout=self.connect_timeout + 20)


class RemoteFailed(AdminError):
    """A command ran on the host and failed there."""

    def __init__(self, target: str, status: int, detail: str, output: str) -> None:
        code = Exit(status) if status in {e.value for e in Exit} and status else Exit.FAILED
        super().__init__(f"{target}: {detail or f'failed with status {status}'}", code)
        self.status = status
        self.output = output


def ssh_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """Add ``--host`` and how to reach it (the options ``host_of`` reads)."""
    group = parser.add_argument_group("remote host (over SSH)")
    group.add_argument(
        "--host", required=required, help="user@host (or an SSH config alias) of the Pi"
    )
    group.add_argument("--port", type=int, help="SSH port (default: ssh's own)")
    group.add_argument("--identity", type=Path, help="SSH private key file")
    group.add_argument("--ssh-config", type=Path, help="SSH config file to use (ssh -F)")
    group.add_argument(
        "--root", default=DEFAULT_ROOT, help="install directory on the host (default: %(default)s)"
    )
    group.add_argument(
        "--env-file",
        default=DEFAULT_ENV_FILE,
        help="the bot's settings file on the host (default: %(default)s)",
    )


def host_of(args: argparse.Namespace) -> Host:
    """The host named by ``ssh_options``' options."""
    return Host(
        target=args.host,
        port=args.port,
        identity=args.identity,
        ssh_config=args.ssh_config,
        root=args.root,
        env_file=args.env_file,
    )


def forwarded(argv: Sequence[str]) -> list[str]:
    """The command line without the SSH options, to run the same command on the host."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in SSH_OPTIONS:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


def on_host(host: Host, argv: Sequence[str]) -> Exit:
    """Run the same subcommand on the host, its output streamed here."""
    host.check()
    sys.stdout.flush()
    try:
        host.run(host.admin_command(argv), timeout=24 * 3600, stdout=sys.stdout.buffer)
    except RemoteFailed as failed:
        return failed.code
    return Exit.OK

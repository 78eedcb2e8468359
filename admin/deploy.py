"""``deploy``: ship this checkout to a host over SSH and switch to it only if it is healthy.

The host's layout (made by deploy/install.sh)::

    <root>/tools/                a Python with uv alone: what installs each release
    <root>/releases/<id>/        one source tree per deploy, with its own .venv
    <root>/current -> releases/<id>   what supervisord runs (its config is current/supervisord.conf)

Steps: copy the release, give it a venv of exactly its lock file's packages
(``admin/install.py``), migrate the database (telemetry stopped, a copy kept), switch
``current`` atomically, have supervisord re-read its config and restart every program,
then wait for every program RUNNING and every service heartbeating. If any step after the
switch fails, ``current`` goes back to the previous release, the pre-migration database
is restored, and that release is restarted, with the venv it had: nothing to reinstall,
so a rollback returns to exactly the versions it ran.
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from admin.errors import AdminError, Exit
from admin.fleet import REPO
from admin.remote import Host, RemoteFailed

RELEASE_ITEMS = (
    "pyproject.toml", "requirements.lock", "supervisord.conf", "README.md", "bus", "services",
    "admin",
)  # fmt: skip
OPTIONAL_ITEMS = ("emulator", "deploy")
"""Shipped when present: the emulator lets the Pi run the demo, deploy/ its own installer."""
KEEP_RELEASES = 3
# How long a release has to report healthy by default, and at least when rolling back to the
# release that was live before.
HEALTH_WAIT = 60.0
INSTALL_TIMEOUT = 1800.0
"""A first install on a Pi compiles nothing but still downloads wheels for minutes."""
TOOLS = "tools/bin/python"
"""The host's Python with uv (made by deploy/install.sh), relative to the root."""


def _skip(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    name = Path(info.name).name
    if name == "__pycache__" or name.endswith((".pyc", ".egg-info")):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0  # the same tree always packs to the same bytes, hence the same id
    return info


def pack(source: Path) -> bytes:
    """The release as a gzipped tarball of the files the bot needs to run."""
    missing = [item for item in RELEASE_ITEMS if not (source / item).exists()]
    if missing:
        raise AdminError(f"{source} is not a squadtime checkout (missing {missing})", Exit.USAGE)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for item in (*RELEASE_ITEMS, *OPTIONAL_ITEMS):
            if (source / item).exists():
                tar.add(source / item, arcname=item, filter=_skip)
    return buffer.getvalue()


def release_id(tarball: bytes, now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{hashlib.sha256(tarball).hexdigest()[:8]}"


@dataclass(slots=True)
class Deployment:
    """One deploy to one host; ``say`` prints each step as it happens."""

    host: Host
    source: Path
    offline: bool = False
    health_timeout: float = HEALTH_WAIT
    say: Callable[[str], None] = print

    @property
    def releases(self) -> str:
        return f"{self.host.root}/releases"

    def run(self) -> Exit:
        self.say(f"checking {self.host.target}")
        self.host.check()
        root = shlex.quote(self.host.root)
        self.host.run(
            f"test -x {root}/{TOOLS} || {{ echo 'no installer at "
            f"{self.host.root}/{TOOLS}: run deploy/install.sh on the host first' >&2; exit 2; }}",
            timeout=60,
        )
        tarball = pack(self.source)
        release = release_id(tarball)
        previous = self.host.run(f"readlink {root}/current || true", timeout=60).strip()
        previous_id = previous.removeprefix("releases/") if previous else None
        fleet_up = self._fleet_running()
        if previous_id is not None and not fleet_up:
            raise AdminError(
                f"supervisord is not running on {self.host.target}: start it first "
                "(sudo systemctl start squadtime) so the deploy can check the new release",
                Exit.UNREACHABLE,
            )

        directory = f"{self.releases}/{release}"
        self.say(f"copying release {release} ({len(tarball) // 1024} KiB)")
        quoted = shlex.quote(directory)
        self.host.run(
            f"mkdir -p {quoted} && tar -xzf - -C {quoted}",
            stdin=tarball,
            timeout=300,
        )
        self.say("installing its locked dependencies into its own venv")
        self.say(self._install(directory).strip())
        self.say("migrating the database")
        migrated = json.loads(
            self.host.run(self._admin(directory, "migrate", "--label", release), timeout=600)
        )
        self.say(f"database schema {migrated['from']} -> {migrated['to']}")
        self._switch(release)
        if not fleet_up:
            self._prune(release)
            self.say(
                f"release {release} installed; supervisord is not running on {self.host.target}:"
                " start it with 'sudo systemctl enable --now squadtime'"
            )
            return Exit.OK
        try:
            self._restart_and_check(directory)
        except AdminError as error:
            self.say(f"release {release} is not healthy: {error}")
            if previous_id is None:
                raise
            self._roll_back(release, previous_id)
            raise AdminError(f"deploy failed; rolled back to {previous_id}") from error
        self._prune(release)
        self.say(f"release {release} is live and healthy on {self.host.target}")
        return Exit.OK

    # ---------------------------------------------------------------- steps

    def _admin(self, directory: str, *args: str) -> str:
        return self.host.admin_command(args, directory)

    def _install(self, directory: str) -> str:
        """Run the release's ``install`` with the tools Python: the release has no venv yet."""
        args = ["install", *(["--offline"] if self.offline else [])]
        tools = shlex.quote(f"{self.host.root}/{TOOLS}")
        command = self.host.shell(directory, f"exec {tools} -m admin {' '.join(args)}")
        return self.host.run(command, timeout=INSTALL_TIMEOUT)

    def _fleet_running(self) -> bool:
        current = f"{self.host.root}/current"
        try:
            self.host.run(
                self.host.shell(current, 'test -S "$SQUADTIME_RUNTIME_DIR/supervisor.sock"'),
                timeout=60,
            )
        except RemoteFailed:
            return False
        try:
            self.host.run(self.host.admin_command(["status", "--listen", "0"]), timeout=60)
        except RemoteFailed as failed:
            return failed.code != Exit.UNREACHABLE
        return True

    def _switch(self, release: str) -> None:
        root = shlex.quote(self.host.root)
        link = shlex.quote(f"releases/{release}")
        self.host.run(
            f"cd {root} && ln -sfn {link} current.next && mv -T current.next current", timeout=60
        )
        self.say(f"current -> releases/{release}")

    def _restart_and_check(self, directory: str, wait: float | None = None) -> None:
        wait = self.health_timeout if wait is None else wait
        self.say("restarting the fleet through supervisord")
        self.host.run(self._admin(directory, "restart", "all", "--reload"), timeout=300)
        self.say(f"checking health (up to {wait:.0f} s)")
        started = time.monotonic()
        try:
            self.host.run(
                self._admin(directory, "status", "--wait", str(wait)),
                timeout=wait + 120,
            )
        except RemoteFailed as failed:
            raise AdminError(
                "unhealthy after restart:\n" + (failed.output.strip() or str(failed))
            ) from None
        self.say(f"healthy after {time.monotonic() - started:.0f} s")

    def _roll_back(self, release: str, previous: str) -> None:
        directory = f"{self.releases}/{previous}"
        self.say(f"rolling back to {previous}")
        self.host.run(
            self._admin(directory, "migrate", "--label", release, "--restore"), timeout=600
        )
        self._switch(previous)
        # The owner's wait judges the new release; the old one was healthy, and a cold start of
        # every program after a failed one may take longer than a short wait chosen for that.
        self._restart_and_check(directory, wait=max(self.health_timeout, HEALTH_WAIT))
        self.say(f"rolled back: {previous} is live again")

    def _prune(self, release: str) -> None:
        """Keep the newest few releases (and the one running) so a rollback stays possible."""
        releases = shlex.quote(self.releases)
        self.host.run(
            f"cd {releases} && ls -1 | sort -r | tail -n +{KEEP_RELEASES + 1}"
            f" | grep -vx {shlex.quote(release)} | xargs -r rm -rf --",
            timeout=120,
        )


def deploy(host: Host, source: Path | None, *, offline: bool, health_timeout: float) -> Exit:
    """Deploy ``source`` (this checkout by default) to ``host``."""
    return Deployment(host, source or REPO, offline=offline, health_timeout=health_timeout).run()

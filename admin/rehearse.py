"""``rehearse``: a fresh Raspberry Pi, emulated on this machine, taken through an owner's
first day: ``deploy/install.sh``, a first deploy over SSH, a healthy fleet, the offline demo.

Run it before a release (as root, on an x86-64 Debian machine with Debian's package mirror
in reach); CI does not, since it takes a quarter of an hour. The Pi is a Debian 13 (trixie)
arm64 system, as Raspberry Pi OS Lite 64-bit is, built with mmdebstrap and run under
qemu-user-static with a Pi 4's CPU (``QEMU_CPU=cortex-a72``) through binfmt_misc, in a
chroot that shares this machine's network, so its sshd is on 127.0.0.1. Its bot logs in to
an emulated Discord served from here.

Each step prints its outcome and how long it took, and a table ends the run. Everything is
undone afterwards, whatever happened: processes inside the Pi, mounts, the work folder, and
the binfmt entry (and binfmt_misc itself if this mounted it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from admin.deploy import OPTIONAL_ITEMS, RELEASE_ITEMS
from admin.errors import AdminError, Exit
from admin.fleet import REPO

SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
CPU = "cortex-a72"
"""A Raspberry Pi 4's CPU, for qemu-user (``QEMU_CPU``)."""
BASE_PACKAGES = (
    "systemd", "systemd-timesyncd", "sudo", "openssh-server", "python3", "python3-venv",
    "ca-certificates", "procps", "passwd", "iproute2",
)  # fmt: skip
"""What Raspberry Pi OS Lite has before the owner runs anything (install.sh adds the rest)."""
HOST_TOOLS = ("mmdebstrap", "qemu-user-static", "arch-test", "openssh-client")
BINFMT = Path("/proc/sys/fs/binfmt_misc")
ENTRY = "squadtime-rehearsal-aarch64"
# The ELF header of an aarch64 executable and the mask qemu's own binfmt script uses.
MAGIC = r"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00"
MASK = r"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"
HOME = "/opt/squadtime"
LOCAL_AUTHORITIES = Path("/usr/local/share/ca-certificates")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
BUNDLE_VARIABLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE")
DEMO_DONE = re.compile(r"graphs of the month written")
DEMO_TIMEOUT = 1500.0
STATUS_WAIT = 300.0
"""An emulated Pi starts six Python programs at a tenth of a real Pi's pace."""


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    outcome: str = "not run"


@dataclass
class Rehearsal:
    """One rehearsal in ``work``; ``say`` prints progress."""

    work: Path
    say: Callable[[str], None] = print
    steps: list[Step] = field(default_factory=list)
    port: int = 0
    token: str = ""
    _trust: list[str] = field(default_factory=list)
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _mounted: list[Path] = field(default_factory=list)
    _binfmt_mounted: bool = False
    _registered: bool = False

    @property
    def root(self) -> Path:
        return self.work / "pi"

    # ------------------------------------------------------------------ running

    def run(self) -> Exit:
        ok = False
        try:
            self._step("host tools", self._host_tools)
            self._step("binfmt_misc: aarch64 through qemu", self._binfmt)
            self._step(f"Debian 13 arm64 root file system ({SUITE})", self._rootfs)
            self._step("mounts and sshd inside the Pi", self._boot)
            self._step("deploy/install.sh on the Pi", self._install)
            self._step("emulated Discord on this machine", self._discord)
            self._step("first deploy over SSH", self._deploy)
            self._step("fleet started as the unit starts it", self._start_fleet)
            self._step("status --host: healthy", self._healthy)
            self._step("offline demo from the deployed release", self._demo)
            ok = True
        except AdminError as error:
            self.say(f"rehearsal failed: {error}")
        finally:
            self._step("clean up", self._clean_up, required=False)
            self._table()
        return Exit.OK if ok else Exit.FAILED

    def _step(self, name: str, work: Callable[[], str], *, required: bool = True) -> None:
        step = Step(name)
        self.steps.append(step)
        self.say(f"--- {name}")
        started = time.monotonic()
        try:
            step.outcome = work() or "ok"
        except (AdminError, OSError, subprocess.SubprocessError) as error:
            step.outcome = f"FAILED: {error}"
            if required:
                raise AdminError(f"{name}: {error}") from error
        finally:
            step.seconds = time.monotonic() - started
            self.say(f"    {step.outcome} ({step.seconds:.0f} s)")

    def _table(self) -> None:
        width = max(len(s.name) for s in self.steps)
        self.say("")
        self.say(f"{'step':<{width}}  {'time':>6}  outcome")
        for step in self.steps:
            self.say(f"{step.name:<{width}}  {step.seconds:>5.0f}s  {step.outcome}")
        self.say(f"{'total':<{width}}  {sum(s.seconds for s in self.steps):>5.0f}s")

    # ------------------------------------------------------------------ helpers

    def _host(self, argv: Sequence[str], timeout: float = 600, **env: str) -> str:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, **env},
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise AdminError(f"{argv[0]} failed ({done.returncode}): " + " / ".join(tail))
        return done.stdout

    def _inside(self, command: str, timeout: float = 600, user: str = "root") -> str:
        """``command`` run by bash inside the Pi, as ``user``, on the emulated CPU."""
        return self._host(self._chroot(command, user), timeout=timeout)

    def _chroot(self, command: str, user: str = "root") -> list[str]:
        runner = [] if user == "root" else ["runuser", "-u", user, "--"]
        return [
            "chroot", str(self.root), "/usr/bin/env", "-i", f"QEMU_CPU={CPU}",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", *self._trust, *runner,
            "/bin/bash", "-c", command,
        ]  # fmt: skip

    def _trust_this_machines_authorities(self) -> None:
        """A machine behind a TLS-inspecting proxy trusts its proxy's authority (one added to
        /usr/local/share/ca-certificates); the Pi must too, to reach PyPI through it. pip
        and uv read their own bundles unless told to use the system's, hence the variables."""
        added = sorted(LOCAL_AUTHORITIES.glob("*.crt"))
        if not added:
            return
        inside = self.root / str(LOCAL_AUTHORITIES).lstrip("/")
        inside.mkdir(parents=True, exist_ok=True)
        for authority in added:
            shutil.copy(authority, inside / authority.name)
        self._inside("update-ca-certificates >/dev/null")
        self._trust = [f"{name}={SYSTEM_BUNDLE}" for name in BUNDLE_VARIABLES]

    def _background(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._processes.append(process)
        return process

    # ------------------------------------------------------------------ steps

    def _host_tools(self) -> str:
        if os.geteuid() != 0:
            raise AdminError("run the rehearsal as root (mounts, chroot, binfmt_misc)")
        if os.uname().machine not in {"x86_64", "amd64"}:
            raise AdminError("the rehearsal emulates an arm64 Pi on an x86-64 machine")
        missing = [t for t in HOST_TOOLS if not _installed(t)]
        if missing:
            self._host(["apt-get", "update", "-qq"])
            self._host(
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                DEBIAN_FRONTEND="noninteractive",
            )
            return f"installed {' '.join(missing)}"
        return "already installed"

    def _binfmt(self) -> str:
        if not (BINFMT / "register").exists():
            self._host(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)])
            self._binfmt_mounted = True
        if (BINFMT / ENTRY).exists():  # a rehearsal that was killed: start clean
            (BINFMT / ENTRY).write_text("-1")
        interpreter = shutil.which("qemu-aarch64-static") or "/usr/bin/qemu-aarch64-static"
        # F: the interpreter is opened now, so the Pi needs no copy of it inside.
        (BINFMT / "register").write_text(f":{ENTRY}:M::{MAGIC}:{MASK}:{interpreter}:F")
        self._registered = True
        return f"{ENTRY} -> {interpreter}"

    def _rootfs(self) -> str:
        self._host(
            [
                "mmdebstrap", "--arch=arm64", "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}", SUITE, str(self.root), MIRROR,
            ],
            timeout=1800,
        )  # fmt: skip
        machine = self._inside("uname -m").strip()
        if machine != "aarch64":
            raise AdminError(f"the Pi says it is {machine!r}, not aarch64")
        return f"{_size(self.root)} MB, uname -m: {machine}"

    def _boot(self) -> str:
        for name, kind, options in (
            ("proc", "proc", []),
            ("sys", "sysfs", ["-o", "ro"]),
            ("dev", "", ["--rbind", "/dev"]),
        ):
            target = self.root / name
            target.mkdir(exist_ok=True)
            source = [kind, "-t", kind] if kind else []
            self._host(["mount", *options, *source, str(target)])
            self._mounted.append(target)
        (self.root / "run").chmod(0o755)
        self._trust_this_machines_authorities()
        keys = self.work / "keys"
        keys.mkdir(mode=0o700)
        self._host(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "id")])
        self._inside("ssh-keygen -A >/dev/null && mkdir -p /run/sshd")
        for attempt in range(5):  # sshd binds the port itself; a taken one: try another
            self.port = 20_000 + secrets.randbelow(40_000)
            log = self.work / f"sshd-{attempt}.log"
            sshd = self._background(
                self._chroot(
                    f"exec /usr/sbin/sshd -D -e -p {self.port} -o ListenAddress=127.0.0.1"
                ),
                log,
            )
            _wait(functools.partial(_listening, log, sshd), 120, "sshd to listen")
            if sshd.poll() is None:
                break
        else:
            raise AdminError(f"sshd could not bind a port; see {self.work}/sshd-*.log")
        (self.work / "ssh_config").write_text(
            f"Host pi\n  HostName 127.0.0.1\n  Port {self.port}\n  User squadtime\n"
            f"  IdentityFile {keys / 'id'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {self.work / 'known_hosts'}\n"
            "  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n"
        )
        return f"sshd on 127.0.0.1:{self.port}"

    def _install(self) -> str:
        checkout = self.root / "root" / "squadtime"
        _copy_release(REPO, checkout)
        shutil.copy(self.work / "keys" / "id.pub", self.root / "root" / "deploy.pub")
        self.token = secrets.token_urlsafe(24)
        token_file = self.root / "root" / "token"
        # Private from its first byte, as install.sh makes the real one.
        private = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(private, "w") as secret:
            secret.write(self.token + "\n")
        out = self._inside(
            "cd /root/squadtime && deploy/install.sh --ssh-key /root/deploy.pub"
            " --token-file /root/token 2>&1",
            timeout=1800,
        )
        last = [line for line in out.splitlines() if line.startswith("[install]")][-1:]
        return last[0] if last else "installed"

    def _discord(self) -> str:
        log = self.work / "emulator.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0", "--token", self.token],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=log.open("wb"),
            start_new_session=True,
        )
        self._processes.append(process)
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        if not url.startswith("http"):
            raise AdminError(f"the emulator did not start (see {log})")
        env_file = self.root / "etc" / "squadtime" / "squadtime.env"
        with env_file.open("a") as settings:
            settings.write(
                f"SQUADTIME_DISCORD_API={url}/api/v10\nSQUADTIME_WEB_PORT=0\n"
                "SQUADTIME_HEARTBEAT_SECONDS=2\n"
            )
            settings.writelines(f"{variable}\n" for variable in self._trust)
        return url

    def _admin_here(self, *args: str, timeout: float = 1800) -> str:
        return self._host(
            [sys.executable, "-m", "admin", *args, "--host", "pi", "--ssh-config",
             str(self.work / "ssh_config")],
            timeout=timeout,
        )  # fmt: skip

    def _deploy(self) -> str:
        out = self._admin_here("deploy")
        release = re.search(r"release (\S+) installed", out)
        locked = re.search(r"(\d+) locked packages", out)
        return (
            f"release {release[1] if release else '?'}, "
            f"{locked[1] if locked else '?'} locked packages in its venv"
        )

    def _start_fleet(self) -> str:
        # As deploy/squadtime.service does: the bot's user, its settings, /run/squadtime 0700.
        self._inside("install -d -m 0700 -o squadtime -g squadtime /run/squadtime")
        self._background(
            self._chroot(
                "set -a && . /etc/squadtime/squadtime.env && set +a &&"
                f" cd {HOME}/current && export MPLCONFIGDIR=/var/lib/squadtime/.matplotlib &&"
                f" exec {HOME}/current/.venv/bin/supervisord --nodaemon"
                f" -c {HOME}/current/supervisord.conf",
                user="squadtime",
            ),
            self.work / "supervisord.log",
        )
        return "supervisord --nodaemon as squadtime"

    def _healthy(self) -> str:
        out = self._admin_here("status", "--wait", f"{STATUS_WAIT:.0f}", timeout=STATUS_WAIT + 120)
        return out.strip().splitlines()[-1]

    def _demo(self) -> str:
        self._inside(
            f"{HOME}/current/.venv/bin/supervisorctl -c {HOME}/current/supervisord.conf"
            " shutdown >/dev/null || true",
            user="squadtime",
        )
        state = "/var/lib/squadtime/rehearsal"
        log = self.work / "demo.log"
        demo = self._background(
            self._chroot(
                f"cd {HOME}/current && MPLCONFIGDIR={state}/.matplotlib"
                f" SQUADTIME_RUNTIME_DIR=/tmp/squadtime-demo exec .venv/bin/python -m admin"
                f" --state-dir {state} run --days 2 --graphs {state}/graphs",
                user="squadtime",
            ),
            log,
        )
        try:
            _wait(
                lambda: (
                    bool(DEMO_DONE.search(log.read_text(errors="replace")))
                    or demo.poll() is not None
                ),
                DEMO_TIMEOUT,
                "the demo's graphs",
            )
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(demo.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                demo.wait(180)
        text = log.read_text(errors="replace")
        found = DEMO_DONE.search(text)
        if found is None:
            raise AdminError(f"the demo ended without its graphs; last lines: {_tail(text)}")
        graphs = len(list((self.root / state.lstrip("/") / "graphs").rglob("*.png")))
        return f"{graphs} graphs drawn; transcript in the rehearsal's demo.log"

    def _clean_up(self) -> str:
        for process in reversed(self._processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        _kill_rooted_in(self.root)
        for target in reversed(self._mounted):
            subprocess.run(["umount", "-R", "-l", str(target)], check=False)
        if self._registered and (BINFMT / ENTRY).exists():
            (BINFMT / ENTRY).write_text("-1")
        if self._binfmt_mounted:
            subprocess.run(["umount", str(BINFMT)], check=False)
        shutil.rmtree(self.work, ignore_errors=True)
        return "processes, mounts, binfmt entry and work folder removed"


def _installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return "install ok installed" in done.stdout


def _copy_release(source: Path, target: Path) -> None:
    """The files a release ships, as the owner's copy of the checkout on the Pi."""
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "var")
    for item in (*RELEASE_ITEMS, *OPTIONAL_ITEMS):
        path = source / item
        if path.is_dir():
            shutil.copytree(path, target / item, ignore=ignore)
        elif path.exists():
            shutil.copy(path, target / item)


def _listening(log: Path, sshd: subprocess.Popen[bytes]) -> bool:
    """sshd says it listens, or it has given up (a port already taken)."""
    return "listening" in log.read_text() or sshd.poll() is not None


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AdminError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(1.0)


def _kill_rooted_in(root: Path) -> None:
    """Any process left whose root is the Pi's (a daemon the chroot started)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if Path(os.readlink(entry / "root")) == root:
                os.kill(int(entry.name), signal.SIGKILL)


def _size(folder: Path) -> int:
    done = subprocess.run(["du", "-sm", str(folder)], capture_output=True, text=True, check=False)
    return int(done.stdout.split()[0]) if done.stdout else 0


def _tail(text: str, lines: int = 5) -> str:
    return " / ".join(text.strip().splitlines()[-lines:])


@contextlib.contextmanager
def work_folder(keep: Path | None) -> Iterator[Path]:
    folder = keep or Path(tempfile.mkdtemp(prefix="squadtime-rehearsal-", dir="/var/tmp"))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    yield folder


def rehearse(work: Path | None = None) -> Exit:
    """Run the rehearsal in ``work`` (a new folder under /var/tmp by default)."""
    with work_folder(work) as folder:
        return Rehearsal(folder, say=lambda line: print(line, flush=True)).run()

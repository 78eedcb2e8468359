"""deploy/: the systemd unit and the install script agree with the layout the deploy uses."""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

from admin.remote import DEFAULT_ENV_FILE, DEFAULT_ROOT
from tests.admin.conftest import REPO

UNIT = REPO / "deploy" / "squadtime.service"
INSTALL = REPO / "deploy" / "install.sh"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT)
    return parser


def test_unit_runs_supervisord_in_the_foreground_as_the_bot() -> None:
    """supervisord --nodaemon from the current release, as the bot's user, with its settings."""
    service = unit()["Service"]
    assert service["ExecStart"].startswith(f"{DEFAULT_ROOT}/current/.venv/bin/supervisord ")
    assert "--nodaemon" in service["ExecStart"]
    assert f"-c {DEFAULT_ROOT}/current/supervisord.conf" in service["ExecStart"]
    assert service["User"] == "squadtime"
    assert service["EnvironmentFile"] == DEFAULT_ENV_FILE
    assert service["RuntimeDirectoryMode"] == "0700"
    assert int(service["TimeoutStopSec"]) >= 5 * 10  # every program's stopwaitsecs


def test_install_script_parses_and_explains_itself() -> None:
    """The script is valid bash, its --help tells how to use it, and bad options fail."""
    subprocess.run(["bash", "-n", str(INSTALL)], check=True, timeout=30)
    shown = subprocess.run(
        ["bash", str(INSTALL), "--help"], capture_output=True, text=True, timeout=30, check=True
    )
    assert "--ssh-key FILE" in shown.stdout
    assert "Raspberry Pi OS (64-bit)" in shown.stdout
    wrong = subprocess.run(
        ["bash", str(INSTALL), "--colour"], capture_output=True, text=True, timeout=30, check=False
    )
    assert wrong.returncode == 1
    assert "unknown option '--colour'" in wrong.stderr


def test_install_script_keeps_the_token_private() -> None:
    """The token file is made 0600 for the bot's user and the token is read without echo."""
    script = INSTALL.read_text()
    assert 'install -m 0600 -o "$user" -g "$user" /dev/null "$token_file"' in script
    assert "read -r -s" in script
    assert f"env_file=$config/{DEFAULT_ENV_FILE.rsplit('/', 1)[1]}" in script
    assert "DISCORD_TOKEN_FILE=$token_file" in script


def _cpu_check(packages: str, kernel: str, stubs: Path) -> subprocess.CompletedProcess[str]:
    """The install script's CPU check alone, on a system whose ``dpkg --print-architecture``
    says ``packages`` and whose ``uname -m`` says ``kernel``."""
    for name, answer in (("dpkg", packages), ("uname", kernel)):
        stub = stubs / name
        stub.write_text(f"#!/bin/sh\necho {answer}\n")
        stub.chmod(0o755)
    script = INSTALL.read_text()
    start = script.index('arch="$(dpkg --print-architecture')
    check = script[start : script.index("esac\n", start) + 5]
    program = 'die() { printf "[install] error: %s\\n" "$*" >&2; exit 1; }\n' + check
    return subprocess.run(
        ["bash", "-c", program],
        env={"PATH": f"{stubs}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_install_script_refuses_a_system_voice_encryption_does_not_run_on(
    tmp_path: Path,
) -> None:
    """64-bit ARM and x86-64 systems pass; a 32-bit Raspberry Pi OS is refused, saying why,
    before anything is installed, even on the 64-bit kernel a Pi 4 boots it with."""
    for packages, kernel in (("arm64", "aarch64"), ("amd64", "x86_64")):
        assert _cpu_check(packages, kernel, tmp_path).returncode == 0, packages
    for kernel in ("aarch64", "armv7l"):
        refused = _cpu_check("armhf", kernel, tmp_path)
        assert refused.returncode == 1
        assert f"this system is armhf (its kernel: {kernel})" in refused.stderr
        assert "dave.py" in refused.stderr
    script = INSTALL.read_text()
    assert script.index('arch="$(dpkg --print-architecture') < script.index("apt-get")


def test_unit_waits_for_the_clock_and_for_a_first_release() -> None:
    """Boot: no start before NTP set the clock, none before a deploy, a writable matplotlib."""
    parsed = unit()
    assert "time-sync.target" in parsed["Unit"]["After"].split()
    assert "time-sync.target" in parsed["Unit"]["Wants"].split()
    assert parsed["Unit"]["ConditionPathExists"] == f"{DEFAULT_ROOT}/current/supervisord.conf"
    assert "MPLCONFIGDIR=/var/cache/squadtime/matplotlib" in parsed["Service"]["Environment"]
    assert parsed["Service"]["CacheDirectory"] == "squadtime"
    assert "systemctl enable systemd-time-wait-sync.service" in INSTALL.read_text()


def test_unit_is_hardened() -> None:
    """systemd-analyze rates the unit's exposure at 3.0 or less ("OK")."""
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--threshold=30", str(UNIT)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    overall = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, overall
    assert float(overall.split("level for")[1].split(":")[1].split()[0]) <= 3.0


def test_install_script_makes_the_tools_environment_from_its_lock() -> None:
    """uv comes from deploy/tools.lock, hash-checked; no release venv is made by hand."""
    script = INSTALL.read_text()
    assert '--require-hashes --no-deps -r "$home/tools/tools.lock"' in script
    assert '"$here/tools.lock"' in script
    assert "$home/venv" not in script

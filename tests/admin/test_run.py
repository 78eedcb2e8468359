"""run without a token: the emulator demo reaches a posted daily message and stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.admin.conftest import REPO
from tests.helpers import wait_until

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(400)]


class Output:
    """A process's stdout collected by a thread, so the test can wait on what it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def close(self) -> None:
        self._thread.join(10)
        self._stream.close()


def test_run_without_a_token_plays_a_day_and_stops_on_ctrl_c(short_tmp: Path) -> None:
    """The daily message is posted and shown, graphs are written, SIGINT stops all cleanly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_TOKEN")}
    env |= {"SQUADTIME_RUNTIME_DIR": str(short_tmp / "run"), "SQUADTIME_HEARTBEAT_SECONDS": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "admin",
            "--state-dir",
            str(short_tmp),
            "run",
            "--members",
            "8",
            "--speed",
            "20000",
        ],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    try:
        wait_until(lambda: "## Who plays today?" in output.text, 180, "the daily message")
        wait_until(lambda: "graphs written to" in output.text, 180, "the graphs")
        process.send_signal(signal.SIGINT)
        assert process.wait(120) == 0, output.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        output.close()
    assert "/config channel: Saved." in output.text
    assert "Posted today's message" in output.text
    assert "<t:" not in output.text  # hour labels are shown as community clock times
    graphs = list((short_tmp / "graphs").rglob("*.png"))
    assert any(p.name == "community.png" for p in graphs)
    assert output.lines[-1] == "stopped"
    for program in ("telemetry", "gateway", "scheduler"):
        assert f"{program} stopping" in (short_tmp / "log" / f"{program}.log").read_text()
    assert not (short_tmp / "run" / "supervisord.pid").exists()

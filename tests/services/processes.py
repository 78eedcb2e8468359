"""A service as its own process, started as supervisord would start it, and killable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


class ServiceProcess:
    """``python -m services.<name>`` (or ``module``) on the bus in ``runtime_dir``, data in
    ``data_dir``.

    ``kill_and_restart`` forgets the crash-loop ledger first: the tests using it are about
    what survives a kill, not about the back-off between restarts. ``env`` adds settings;
    with ``log`` its output goes to that file (appended), as supervisord keeps it.
    """

    def __init__(
        self,
        name: str,
        runtime_dir: Path,
        data_dir: Path,
        module: str = "",
        *,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.name = name
        self.module = module or f"services.{name}"
        self.runtime_dir = runtime_dir
        self.data_dir = data_dir
        self.log = log
        self.env = {
            **os.environ,
            "SQUADTIME_RUNTIME_DIR": str(runtime_dir),
            "SQUADTIME_DATA_DIR": str(data_dir),
            **(env or {}),
        }
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        (self.runtime_dir / f"{self.name}.starts").unlink(missing_ok=True)
        if self.log is None:
            return subprocess.Popen([sys.executable, "-m", self.module], env=self.env)
        with self.log.open("ab") as output:
            return subprocess.Popen(
                [sys.executable, "-m", self.module],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(5)

    def restart(self) -> None:
        """Start a new process."""
        self.process = self._spawn()

    def kill_and_restart(self) -> None:
        """SIGKILL the process, then start a new one."""
        self.kill()
        self.restart()

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it does not stop in time."""
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

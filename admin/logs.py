"""``logs``: the end of one program's log file, optionally following it.

Read from the files in the log directory, not through supervisord, so the logs of a
fleet that is down (which is when they matter most) can still be read.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from admin.errors import AdminError, Exit
from admin.fleet import check_program

FOLLOW_POLL_SECONDS = 0.5


def log_file(env: Mapping[str, str], program: str) -> Path:
    """Where supervisord writes ``program``'s output."""
    return Path(env["SQUADTIME_LOG_DIR"]) / f"{check_program(program)}.log"


def last_lines(path: Path, count: int) -> list[str]:
    """The last ``count`` lines of ``path``."""
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            return list(deque(stream, maxlen=count))
    except FileNotFoundError:
        raise AdminError(f"no log yet at {path} (has the fleet run here?)", Exit.USAGE) from None


def logs(
    env: Mapping[str, str],
    program: str,
    *,
    lines: int,
    follow: bool,
    out: TextIO = sys.stdout,
    stop_after: float | None = None,
) -> Exit:
    """Print the tail of ``program``'s log; with ``follow``, keep printing until Ctrl-C.

    ``stop_after`` bounds following (seconds), for scripts.
    """
    if lines < 0:
        raise AdminError("--lines must be 0 or more", Exit.USAGE)
    path = log_file(env, program)
    out.writelines(last_lines(path, lines) if lines else [])
    out.flush()
    if not follow:
        return Exit.OK
    deadline = None if stop_after is None else time.monotonic() + stop_after
    with path.open(encoding="utf-8", errors="replace") as stream:
        stream.seek(0, 2)
        try:
            while deadline is None or time.monotonic() < deadline:
                chunk = stream.read()
                if chunk:
                    out.write(chunk)
                    out.flush()
                elif stream.tell() > path.stat().st_size:
                    stream.seek(0)  # rotated: the file started again
                else:
                    time.sleep(FOLLOW_POLL_SECONDS)  # a person is watching; not synchronisation
        except KeyboardInterrupt:
            pass
    return Exit.OK

"""``run``: the whole fleet under supervisord in the foreground, until Ctrl-C.

With ``DISCORD_TOKEN`` or ``DISCORD_TOKEN_FILE`` set, supervisord replaces this process
(as under systemd) and the bot logs in to Discord. Without a token, the demo starts: the
local emulator, a simulated community and the same fleet (see ``admin/demo.py``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from admin.demo import DemoSettings, demo
from admin.errors import AdminError, Exit
from admin.fleet import CONFIG, has_token, tool
from bus.endpoints import EndpointError, ensure_private_dir
from services.runtime.private import keep_private, tighten


def prepare(env: Mapping[str, str]) -> None:
    """Make the runtime, data and log directories 0700, and what an earlier run left in the
    data and log directories readable by others (a log made under umask 022) private."""
    try:
        ensure_private_dir(Path(env["SQUADTIME_RUNTIME_DIR"]))
        for folder in (env["SQUADTIME_DATA_DIR"], env["SQUADTIME_LOG_DIR"]):
            tighten(ensure_private_dir(Path(folder)))
    except EndpointError as error:
        raise AdminError(str(error), Exit.USAGE) from None


def run(env: Mapping[str, str], settings: DemoSettings) -> Exit:
    # supervisord applies its own ``umask`` only when it daemonizes, never in the foreground
    # where we run it: its log files (and the demo's files) take this process's umask.
    keep_private()
    prepare(env)
    if not has_token(env):
        return demo(env, settings)
    supervisord = tool("supervisord")
    print(f"starting the fleet; logs in {env['SQUADTIME_LOG_DIR']}; Ctrl-C stops it", flush=True)
    sys.stdout.flush()
    os.execve(supervisord, [str(supervisord), "-c", str(CONFIG)], dict(env))  # noqa: S606

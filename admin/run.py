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


def prepare(env: Mapping[str, str]) -> None:
    """Make the runtime (0700), data and log directories."""
    try:
        ensure_private_dir(Path(env["SQUADTIME_RUNTIME_DIR"]))
        ensure_private_dir(Path(env["SQUADTIME_DATA_DIR"]))
    except EndpointError as error:
        raise AdminError(str(error), Exit.USAGE) from None
    Path(env["SQUADTIME_LOG_DIR"]).mkdir(parents=True, exist_ok=True)


def run(env: Mapping[str, str], settings: DemoSettings) -> Exit:
    prepare(env)
    if not has_token(env):
        return demo(env, settings)
    supervisord = tool("supervisord")
    print(f"starting the fleet; logs in {env['SQUADTIME_LOG_DIR']}; Ctrl-C stops it", flush=True)
    sys.stdout.flush()
    os.execve(supervisord, [str(supervisord), "-c", str(CONFIG)], dict(env))  # noqa: S606

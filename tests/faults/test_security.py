"""Another local user cannot reach the bot: the bus sockets and the database stay private."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bus.broker import Broker
from bus.endpoints import Endpoints

OTHER_USER = "nobody"


def _as_other_user(*command: str) -> subprocess.CompletedProcess[str]:
    runuser = shutil.which("runuser")
    assert runuser is not None, "runuser (util-linux) is needed to act as another user"
    return subprocess.run(
        [runuser, "-u", OTHER_USER, "--", *command],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="acting as another user needs root (CI is root)")
def test_another_local_user_cannot_reach_the_bus(short_tmp: Path) -> None:
    """The ipc sockets live in a 0700 directory: another user cannot even find them."""
    endpoints = Endpoints.ipc(short_tmp)
    broker = Broker(endpoints)
    broker.start()
    try:
        socket_path = endpoints.publish.removeprefix("ipc://")
        assert Path(socket_path).exists()
        seen = _as_other_user("stat", socket_path)
        assert seen.returncode != 0
        assert "Permission denied" in seen.stderr
        listed = _as_other_user("ls", str(short_tmp))
        assert listed.returncode != 0
    finally:
        broker.stop()

"""dead-letters: the admin lists the events telemetry set aside, as text or JSON."""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path

from bus.client import BusClient
from bus.endpoints import Endpoints
from services.telemetry.service import Telemetry
from tests.admin.conftest import REPO
from tests.helpers import eventually
from tests.services.inprocess import running
from tests.services.telemetry.events import voice


async def admin(short_tmp: Path, *args: str) -> tuple[int, str, str]:
    """``squadtime-admin ARGS`` as its own process on the test's bus: (status, stdout, stderr)."""
    env = {**os.environ, "SQUADTIME_RUNTIME_DIR": str(short_tmp)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "admin", *args,
        cwd=REPO, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_admin_lists_a_poisoned_event(endpoints: Endpoints, short_tmp: Path) -> None:
    """After an event at an infinite instant, the listing says when, which event and why."""
    data = short_tmp / "data"
    async with running(Telemetry(data / "telemetry.db"), endpoints, data):
        status, out, _ = await admin(short_tmp, "dead-letters")
        assert (status, out) == (0, "no dead letters: telemetry stored every event it received\n")
        async with BusClient("gateway", endpoints, retry_after=0.2, retry_cap=0.5) as gateway:
            gateway.record(voice(1, 0, 11, time.time() - 60))
            bad = gateway.record(voice(2, 0, 11, math.inf))
            await eventually(lambda: gateway.unacked == 0, 15, "both records acknowledged")
        status, out, err = await admin(short_tmp, "dead-letters")
        assert status == 0, err
        lines = out.splitlines()
        assert lines[0] == "1 dead letter kept; the latest 1, newest first:"
        assert lines[2].endswith(f"  gateway.voice_state  {bad.id}")
        assert lines[3].startswith("  why:  refused on decode: Expected `float` <= ")
        assert "'at': inf" in lines[4]
        status, out, err = await admin(short_tmp, "dead-letters", "--json", "-n", "5")
    assert status == 0, err
    listing = json.loads(out)
    assert listing["total"] == 1
    assert [letter["id"] for letter in listing["letters"]] == [bad.id]


async def test_without_telemetry_the_listing_says_so(endpoints: Endpoints, short_tmp: Path) -> None:
    """With the bot down, the command fails with exit status 3 and says what to check."""
    status, _, err = await admin(short_tmp, "dead-letters")
    assert status == 3
    assert "telemetry did not answer" in err


async def test_a_silly_count_is_a_usage_error(short_tmp: Path) -> None:
    """``-n 0`` is refused by the parser (exit status 2), before any bus is asked."""
    status, _, err = await admin(short_tmp, "dead-letters", "-n", "0")
    assert status == 2
    assert "not a number from 1 to 1000" in err

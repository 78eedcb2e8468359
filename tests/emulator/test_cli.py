"""``python -m emulator``: help, and a process that prints its URL and serves until SIGTERM."""

import asyncio
import signal
import subprocess
import sys

import aiohttp

from tests.emulator.support import STEP


def test_help_describes_the_options() -> None:
    """``--help`` lists host and port and exits cleanly."""
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"], capture_output=True, text=True, timeout=STEP
    )
    assert result.returncode == 0
    assert "--host" in result.stdout
    assert "--port" in result.stdout


async def test_process_prints_url_serves_and_stops_on_sigterm() -> None:
    """The first stdout line is the URL; REST answers there; SIGTERM stops the process."""

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--members",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), STEP)).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as session,
            session.get(url + "/api/v10/gateway") as response,
        ):
            body = await asyncio.wait_for(response.json(), STEP)
        assert body["url"].startswith("ws://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), STEP)
    assert code == 0

"""The web program killed with SIGKILL mid-request: supervisord restarts it, the member's
session survives (it lives in the cookie), and no other program notices."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from emulator import Emulator
from services.web.config import CALLBACK_PATH
from tests.faults.support import STEP, SupervisedFleet, build_town
from tests.helpers import eventually, until_answered
from tests.services.web.support import browser, log_in_at

pytestmark = pytest.mark.fleet

OTHERS = ("bus", "telemetry", "gateway", "scheduler", "voice")


@pytest.mark.timeout(180)
async def test_killing_the_web_program_logs_nobody_out(short_tmp: Path) -> None:
    """A board stream is cut by the kill; the restarted program takes the same cookie; the
    client secret is in no log line."""
    async with Emulator() as emu:
        town = build_town(emu, players=2)
        fleet = SupervisedFleet(short_tmp, emu)
        await fleet.start()
        try:
            address = fleet.runtime / "web.url"
            await eventually(address.exists, 2 * STEP, "the dashboard's address")
            url = address.read_text().strip()
            emu.oauth.redirect_uris.add(url + CALLBACK_PATH)
            async with browser() as http:
                await log_in_at(http, url, emu, town.admin)
                members = f"/g/{town.guild.id}/members"
                await _until_status(http, url, members, 200)
                others = {name: await fleet.pid(name) for name in OTHERS}
                victim = await fleet.pid("web")
                async with http.get(f"{url}/g/{town.guild.id}/board/events") as stream:
                    await asyncio.wait_for(stream.content.readline(), STEP)  # mid-request
                    await fleet.kill("web")
                    await _ends(stream)  # the request in flight ends with the process

                async def restarted() -> bool:
                    return await fleet.pid("web") not in (0, victim)

                await _until(restarted, "supervisord to restart the web program")
                await eventually(
                    lambda: address.read_text().strip() != url,
                    2 * STEP,
                    "the restarted program's address",
                )
                url = address.read_text().strip()
                await _until_status(http, url, members, 200)  # the same cookie, no login
            assert {name: await fleet.pid(name) for name in OTHERS} == others
            log = (fleet.logs / "web.log").read_text()
            assert "logged in" in log
            assert emu.oauth.client_secret not in log
        finally:
            await fleet.close()


async def _ends(stream: aiohttp.ClientResponse) -> None:
    """Read the event stream until it ends, cleanly or not; TimeoutError if it goes on."""
    try:
        async with asyncio.timeout(STEP):
            while await stream.content.readline():
                pass
    except aiohttp.ClientError:
        return


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Ask again until ``check`` holds (another process changes it), at most ``2 * STEP``."""
    await until_answered(check, 2 * STEP, what)


async def _until_status(http: aiohttp.ClientSession, url: str, path: str, status: int) -> None:
    async def answered() -> bool:
        try:
            async with http.get(url + path, allow_redirects=False) as answer:
                return answer.status == status
        except aiohttp.ClientError:
            return False

    await _until(answered, f"{path} to answer {status}")

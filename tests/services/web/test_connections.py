"""Bounded connections: idle sockets never lock members out, and a closed live board stops
asking the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bus.endpoints import Endpoints
from bus.protocol import Envelope, GetBoard, Reply, Request
from services.web.app import COOKIE
from services.web.connections import ConnectionLimits
from tests.helpers import eventually
from tests.services.inprocess import STEP
from tests.services.scheduler.support import World, world
from tests.services.web.support import TIMEOUT, Dashboard, browser, dashboard, log_in

IDLE = 300
ATTACKER = "127.0.0.2"  # loopback too (127.0.0.0/8), so that the member's 127.0.0.1 differs
HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: squadtime\r\n"  # headers never finished


@contextlib.asynccontextmanager
async def idle_connections(
    site: Dashboard, count: int
) -> AsyncIterator[list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]:
    """``count`` connections from the attacker's address, every other one sending half a
    request, none finishing; all closed when the block ends."""
    host, port = site.url.removeprefix("http://").rsplit(":", 1)
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for n in range(count):
            async with asyncio.timeout(STEP):
                reader, writer = await asyncio.open_connection(
                    host, int(port), local_addr=(ATTACKER, 0)
                )
            opened.append((reader, writer))
            if n % 2:
                writer.write(HALF_REQUEST)
        yield opened
    finally:
        for _, writer in opened:
            writer.close()
        for _, writer in opened:
            with contextlib.suppress(OSError):
                await asyncio.wait_for(writer.wait_closed(), STEP)


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        return await reader.read(1024) == b""
    except ConnectionError:
        return True


async def member_page(http: aiohttp.ClientSession, url: str) -> float:
    """Seconds the member waited for their page (within the request's own time-out)."""
    started = time.monotonic()
    async with http.get(url, allow_redirects=False) as answer:
        assert answer.status == 200
        await answer.read()
    return time.monotonic() - started


def _copy(http: aiohttp.ClientSession) -> aiohttp.ClientSession:
    """A new browser tab: a fresh connection with the same session cookie."""
    cookie = next(c for c in http.cookie_jar if c.key == COOKIE)
    return aiohttp.ClientSession(cookies={COOKIE: cookie.value}, timeout=TIMEOUT)


async def test_idle_connections_from_one_address_leave_room_for_members(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """300 connections that say nothing (or half a request) from one address: Alice's page is
    still answered within its own time-out, and the server closes every idle one itself."""
    limits = ConnectionLimits(idle_seconds=2.0)  # the program's bounds, idle short to watch

    async with world(endpoints, short_tmp) as w, dashboard(w, limits) as site:
        me = f"{site.url}/g/{w.town.guild.id}/me"
        async with browser() as alice:
            await log_in(alice, site, w, w.town.alice)
            baseline = await member_page(alice, me)
            async with idle_connections(site, IDLE) as opened:
                assert site.gate.count <= limits.per_address + 1
                async with _copy(alice) as tab:
                    during = await member_page(tab, me)
                async with asyncio.timeout(limits.idle_seconds + STEP):
                    closed = await asyncio.gather(*(closed_by_server(r) for r, _ in opened))
                assert all(closed)
            print(f"Alice's page: {baseline:.3f} s alone, {during:.3f} s beside 300 idle")


async def test_a_full_budget_lets_a_member_in(endpoints: Endpoints, short_tmp: Path) -> None:
    """300 idle connections, each allowed by the per-address cap, against a budget of 40: the
    longest idle give way to newcomers, so Alice's new tab is answered, the dashboard never
    holds more than its budget, and the idle ones were closed by the server."""
    limits = ConnectionLimits(idle_seconds=60.0, per_address=1000, most=40)

    async with world(endpoints, short_tmp) as w, dashboard(w, limits) as site:
        assert site.gate.budget == limits.most
        me = f"{site.url}/g/{w.town.guild.id}/me"
        async with browser() as alice:
            await log_in(alice, site, w, w.town.alice)
            async with idle_connections(site, IDLE) as opened:
                assert site.gate.count <= limits.most
                async with _copy(alice) as tab:
                    await member_page(tab, me)
                assert site.gate.count <= limits.most
                oldest = opened[: IDLE - limits.most]
                async with asyncio.timeout(STEP):
                    closed = await asyncio.gather(*(closed_by_server(r) for r, _ in oldest))
                assert all(closed)
                assert site.gate.evicted >= IDLE - limits.most


async def test_closed_board_streams_stop_asking_for_the_board(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10 live boards opened, then closed: a second later, no GetBoard reaches the scheduler."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        asked = _count_boards(w, monkeypatch)
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        async with browser() as admin:
            await log_in(admin, site, w, w.town.admin)
            events = f"{site.url}/g/{w.town.guild.id}/board/events"
            streams = []
            for _ in range(10):
                stream = await admin.get(events)
                async with asyncio.timeout(STEP):
                    assert (await stream.content.readline()).startswith(b"event: board")
                streams.append(stream)
            before = asked[0]
            await eventually(lambda: asked[0] >= before + 10, STEP, "the boards to poll")
            for stream in streams:
                stream.close()  # the connection too, as a closed browser tab
            await eventually(lambda: site.gate.answering == 0, STEP, "the streams' handlers to end")
            after = asked[0]
            await asyncio.sleep(1.0)  # a window to watch for asks that should not come
            assert asked[0] == after


def _count_boards(w: World, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many GetBoard requests reach the scheduler from now on (a one-item list)."""
    count = [0]
    answer = w.scheduler.handle_request

    async def counted(envelope: Envelope, request: Request) -> Reply:
        if isinstance(request, GetBoard):
            count[0] += 1
        return await answer(envelope, request)

    monkeypatch.setattr(w.scheduler, "handle_request", counted)
    return count

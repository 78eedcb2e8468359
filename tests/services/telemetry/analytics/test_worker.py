"""Rendering in the worker process while the event loop keeps running."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from services.telemetry.analytics.charts import DuoChart, GraphKind, Header
from services.telemetry.analytics.options import StatsRequest
from services.telemetry.analytics.render import PIXEL_SIZES
from services.telemetry.analytics.worker import GraphWorker, RenderError
from tests.helpers import eventually

from .builders import PARIS, community, local
from .pngs import assert_png

NOW = local(PARIS, 2025, 6, 1, 12)
TICK = 0.02


async def ticking(stop: asyncio.Event, delays: list[float]) -> None:
    """Tick every 20 ms and record how late each tick woke up."""
    while not stop.is_set():
        planned = time.perf_counter() + TICK
        await asyncio.sleep(TICK)
        delays.append(time.perf_counter() - planned)


def test_loop_keeps_ticking_while_a_graph_renders() -> None:
    """A heavy graph (worker start-up included) never delays a loop tick by more than 0.5 s."""
    dataset = community(seed=2, sessions=6000, members=60)

    async def scenario() -> tuple[bytes, list[float], bool]:
        stop = asyncio.Event()
        delays: list[float] = []
        async with GraphWorker() as worker:
            ticker = asyncio.create_task(ticking(stop, delays))
            began = time.perf_counter()
            png = await worker.stats(StatsRequest(GraphKind.NETWORK, 30), dataset, NOW)
            elapsed = time.perf_counter() - began
            stop.set()
            await asyncio.wait_for(ticker, timeout=5)
            assert elapsed > 0.3, "the render was too quick to prove anything"
            started = worker.started
        return png, delays, started and not worker.started

    png, delays, closed = asyncio.run(asyncio.wait_for(scenario(), timeout=90))
    assert_png(png, PIXEL_SIZES[GraphKind.NETWORK])
    assert len(delays) >= 10
    assert max(delays) < 0.5
    assert closed


def test_errors_come_back_and_a_dead_worker_is_replaced() -> None:
    """A bad job raises its own error; a worker that dies gives RenderError, then restarts."""

    async def scenario() -> None:
        async with GraphWorker() as worker:
            with pytest.raises(TypeError, match="not for community"):
                await worker.render(GraphKind.NETWORK, DuoChart(Header("t", "s"), ()))
            first = await worker.peak_rss_bytes()
            assert first > 10 * 2**20
            with pytest.raises(RenderError, match="died"):
                await worker._call("a crash", os._exit, 3)
            assert not worker.started
            png = await worker.render(
                GraphKind.DUOS, DuoChart(Header("t", "s"), (("a", "b", 2.0),))
            )
            assert_png(png, PIXEL_SIZES[GraphKind.DUOS])

    asyncio.run(asyncio.wait_for(scenario(), timeout=90))


def test_closing_an_unused_worker_starts_nothing() -> None:
    """A worker never asked for a graph has no process to stop."""

    async def scenario() -> bool:
        worker = GraphWorker()
        await worker.aclose()
        return worker.started

    assert asyncio.run(scenario()) is False


def test_an_idle_worker_stops_and_comes_back_when_needed() -> None:
    """Left without work, the drawing process stops; the next graph starts a new one."""

    async def scenario() -> None:
        async with GraphWorker(idle_after=0.2) as worker:
            first = await worker.peak_rss_bytes()
            assert worker.started
            await eventually(lambda: not worker.started, 10, "the idle worker to stop")
            png = await worker.render(
                GraphKind.DUOS, DuoChart(Header("t", "s"), (("a", "b", 2.0),))
            )
            assert_png(png, PIXEL_SIZES[GraphKind.DUOS])
            assert first > 10 * 2**20

    asyncio.run(asyncio.wait_for(scenario(), timeout=90))

"""Rendering in the worker process while the event loop keeps running."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from pathlib import Path

import pytest

from services.telemetry.analytics.charts import DuoChart, GraphKind, Header
from services.telemetry.analytics.options import StatsRequest
from services.telemetry.analytics.render import PIXEL_SIZES, render_png
from services.telemetry.analytics.report import build_chart
from services.telemetry.analytics.sessions import GuildDataset
from services.telemetry.analytics.worker import GraphWorker, RenderError
from tests.helpers import eventually

from .builders import PARIS, community, local
from .pngs import assert_png

NOW = local(PARIS, 2025, 6, 1, 12)
TICK = 0.02
HOLD_LIMIT = 60.0
"""Seconds a held render goes on drawing if the test never releases it."""


async def ticking(stop: asyncio.Event, ticks: list[None]) -> None:
    """Tick every 20 ms, as long as the loop lets it."""
    while not stop.is_set():
        await asyncio.sleep(TICK)
        ticks.append(None)


def draw_until_released(
    folder: Path, request: StatsRequest, dataset: GuildDataset, now: datetime
) -> bytes:
    """The worker's graph held at work: drawn again and again until the test releases it.

    Runs in the worker process. It marks its first draw with a file in ``folder`` and answers
    after the draw during which ``released`` appeared, so the render lasts as long as the test
    watches the loop, however fast the machine.
    """
    (folder / "drawing").touch()
    held_until = time.monotonic() + HOLD_LIMIT
    while True:
        png = render_png(request.kind, build_chart(request, dataset, now))
        if (folder / "released").exists() or time.monotonic() > held_until:
            return png


@pytest.mark.within(90)
async def test_loop_keeps_ticking_while_a_graph_renders(short_tmp: Path) -> None:
    """While the worker draws a heavy graph, the service's loop goes on ticking."""
    dataset = community(seed=2, sessions=6000, members=60)
    request = StatsRequest(GraphKind.NETWORK, 30)
    stop = asyncio.Event()
    ticks: list[None] = []
    async with GraphWorker() as worker:
        ticker = asyncio.create_task(ticking(stop, ticks))
        drawn = asyncio.create_task(
            worker.call("a held graph", draw_until_released, short_tmp, request, dataset, NOW)
        )
        await eventually((short_tmp / "drawing").exists, 60, "the worker's first draw")
        seen = len(ticks)
        await eventually(lambda: len(ticks) >= seen + 10, 20, "ten ticks during the draw")
        assert not drawn.done(), "the draw ended before the test released it"
        (short_tmp / "released").touch()
        png = await drawn
        stop.set()
        await asyncio.wait_for(ticker, timeout=5)
        started = worker.started
    assert_png(png, PIXEL_SIZES[GraphKind.NETWORK])
    assert started, "the graph was not drawn in the worker"
    assert not worker.started, "the worker outlived its block"


@pytest.mark.within(90)
async def test_errors_come_back_and_a_dead_worker_is_replaced() -> None:
    """A bad job raises its own error; a worker that dies gives RenderError, then restarts."""
    async with GraphWorker() as worker:
        with pytest.raises(TypeError, match="not for community"):
            await worker.render(GraphKind.NETWORK, DuoChart(Header("t", "s"), ()))
        first = await worker.peak_rss_bytes()
        assert first > 10 * 2**20
        with pytest.raises(RenderError, match="died"):
            await worker._call("a crash", os._exit, 3)
        assert not worker.started
        png = await worker.render(GraphKind.DUOS, DuoChart(Header("t", "s"), (("a", "b", 2.0),)))
        assert_png(png, PIXEL_SIZES[GraphKind.DUOS])


async def test_closing_an_unused_worker_starts_nothing() -> None:
    """A worker never asked for a graph has no process to stop."""
    worker = GraphWorker()
    await worker.aclose()
    assert worker.started is False


@pytest.mark.within(90)
async def test_an_idle_worker_stops_and_comes_back_when_needed() -> None:
    """Left without work, the drawing process stops; the next graph starts a new one."""
    async with GraphWorker(idle_after=0.2) as worker:
        first = await worker.peak_rss_bytes()
        assert worker.started
        await eventually(lambda: not worker.started, 10, "the idle worker to stop")
        png = await worker.render(GraphKind.DUOS, DuoChart(Header("t", "s"), (("a", "b", 2.0),)))
        assert_png(png, PIXEL_SIZES[GraphKind.DUOS])
        assert first > 10 * 2**20

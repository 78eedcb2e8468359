"""Graphs are drawn in a separate process, so the telemetry event loop never stalls on them.

Analytics over a year of sessions and matplotlib both hold the CPU (and the GIL) for up to
seconds; in a thread they would still delay every event the loop has to ingest. One worker
process is enough for a Raspberry Pi and caps the memory graphs can take.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from types import TracebackType
from typing import Literal, Self

from services.telemetry.analytics.charts import Chart, GraphKind
from services.telemetry.analytics.options import StatsRequest
from services.telemetry.analytics.render import render_png
from services.telemetry.analytics.report import build_chart
from services.telemetry.analytics.sessions import GuildDataset

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
IDLE_AFTER = 120.0  # seconds without a graph to draw before the worker process stops


class RenderError(RuntimeError):
    """A graph could not be drawn: the worker died or took too long."""


def _ignore_interrupts() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the service decides when its
    # worker stops (through shutdown), not the keyboard.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stats_png(request: StatsRequest, dataset: GuildDataset, now: datetime) -> bytes:
    return render_png(request.kind, build_chart(request, dataset, now))


def _peak_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class GraphWorker:
    """An async front to one rendering process, started on first use.

    ``spawn`` (the default) starts a fresh interpreter that inherits nothing from the service:
    no sockets, no event loop, no threads. ``forkserver`` is the cheaper alternative on Linux.
    A worker that dies or overruns ``timeout`` is discarded with a ``RenderError``; the next call
    starts a new one. A worker left without work for ``idle_after`` seconds stops, giving its
    memory back (it keeps the fleet within a small Pi's means between moderators' graphs).
    """

    def __init__(
        self,
        *,
        start_method: Literal["spawn", "forkserver"] = "spawn",
        timeout: float = DEFAULT_TIMEOUT,
        idle_after: float = IDLE_AFTER,
    ) -> None:
        self._start_method = start_method
        self._timeout = timeout
        self._idle_after = idle_after
        self._executor: ProcessPoolExecutor | None = None
        self._busy = 0
        self._idle_timer: asyncio.TimerHandle | None = None

    @property
    def started(self) -> bool:
        """Whether a worker process pool currently exists."""
        return self._executor is not None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context(self._start_method)
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=_ignore_interrupts
            )
            log.info("graph worker pool created (%s)", self._start_method)
        return self._executor

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._executor is pool:
            self._executor = None
        pool.shutdown(wait=False, cancel_futures=True)

    def _stop_idle(self) -> None:
        # A drawing process holds some 80 MB; moderators ask for graphs now and then.
        self._idle_timer = None
        pool, self._executor = self._executor, None
        if pool is not None:
            pool.shutdown(wait=False)
            log.info("graph worker stopped after %.0f s without work", self._idle_after)

    async def _call[*Ts, R](self, what: str, job: Callable[[*Ts], R], *args: *Ts) -> R:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._busy += 1
        try:
            return await self._run(what, job, *args)
        finally:
            self._busy -= 1
            if not self._busy and self._executor is not None and self._idle_after > 0:
                loop = asyncio.get_running_loop()
                self._idle_timer = loop.call_later(self._idle_after, self._stop_idle)

    async def _run[*Ts, R](self, what: str, job: Callable[[*Ts], R], *args: *Ts) -> R:
        pool = self._pool()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout):
                return await loop.run_in_executor(pool, job, *args)
        except BrokenProcessPool as error:
            log.warning("graph worker died while drawing %s; it restarts on the next call", what)
            self._discard(pool)
            raise RenderError(f"the graph worker died while drawing {what}") from error
        except TimeoutError as error:
            log.warning("graph worker overran %.0f s on %s; replacing it", self._timeout, what)
            self._discard(pool)
            raise RenderError(f"drawing {what} took longer than {self._timeout:.0f} s") from error

    async def call[*Ts, R](self, what: str, job: Callable[[*Ts], R], *args: *Ts) -> R:
        """Run ``job(*args)`` in the worker; ``job`` must be a module-level function.

        ``what`` names the work in errors and logs. For jobs that belong to the service rather
        than to the analytics, such as reading the guild's data from the database file.
        """
        return await self._call(what, job, *args)

    async def render(self, kind: GraphKind, chart: Chart) -> bytes:
        """PNG bytes of ``chart`` drawn as ``kind``."""
        return await self._call(str(kind), render_png, kind, chart)

    async def stats(self, request: StatsRequest, dataset: GuildDataset, now: datetime) -> bytes:
        """Run the analytics and draw the graph of a ``/stats`` request, both in the worker."""
        return await self._call(str(request.kind), _stats_png, request, dataset, now)

    async def peak_rss_bytes(self) -> int:
        """The worker's peak resident memory so far (starting it if needed)."""
        return await self._call("memory report", _peak_rss_bytes)

    async def aclose(self) -> None:
        """Let a running graph finish, then stop the worker process."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        pool, self._executor = self._executor, None
        if pool is not None:
            # shutdown(wait=True) joins the process: off the loop, in a thread.
            await asyncio.to_thread(pool.shutdown, wait=True)
            log.info("graph worker pool shut down")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

"""Running a service in this process under a runtime of its own, as ``run_service`` would."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import Envelope, Ping, Pong, Reply, Request
from services.runtime.logs import RedactingFilter
from services.runtime.service import Runtime, Service
from services.runtime.settings import Settings

STEP = 10.0
"""Upper bound for any single wait inside a test."""


@contextlib.asynccontextmanager
async def running(service: Service, endpoints: Endpoints, data_dir: Path) -> AsyncIterator[Runtime]:
    """``service`` set up, on the bus and running its work until the block ends."""
    settings = Settings(
        service=service.name, runtime_dir=data_dir, data_dir=data_dir, endpoints=endpoints
    )
    runtime = Runtime(settings, BusClient(service.name, endpoints), RedactingFilter())

    async def serve(envelope: Envelope, request: Request) -> Reply:
        if isinstance(request, Ping):
            return Pong(service=service.name, pid=os.getpid())
        return await service.handle_request(envelope, request)

    runtime.bus.on_requests(serve)
    await service.setup(runtime)
    await runtime.bus.start(timeout=STEP)
    work = asyncio.create_task(service.run(runtime), name=f"{service.name}.run")
    try:
        yield runtime
        if work.done():
            work.result()  # a service whose work failed fails the test
    finally:
        runtime.stopping.set()
        work.cancel()  # as run_service does: the work's own finally blocks still run
        await asyncio.wait({work}, timeout=STEP)
        await runtime.bus.close()
        await runtime.tasks.cancel_all(timeout=STEP)

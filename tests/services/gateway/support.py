"""Running the gateway in-process against an emulator, and a peer service on the bus."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bus.client import BusClient
from bus.clock import Calendar
from bus.endpoints import Endpoints
from bus.protocol import Envelope, EventMessage, Ping, Pong, Reply, Request
from emulator import Emulator
from services.gateway.config import GatewayConfig
from services.gateway.service import Gateway
from services.runtime.logs import RedactingFilter
from services.runtime.service import Runtime
from services.runtime.settings import Settings

STEP = 10.0
"""Upper bound for any single wait inside a test."""


def config_for(emu: Emulator, **overrides: float) -> GatewayConfig:
    """A gateway configuration pointing at ``emu``, tuned for a local server."""
    base = GatewayConfig(
        token=emu.token,
        api_base=emu.api_url,
        guild_ready_timeout=0.1,
        # The emulator enforces no IDENTIFY window unless a test sets one (and then this too):
        # Discord's 5 s would hold every restart, and the voice session after the gateway's.
        identify_window=0.05,
    )
    changes: dict[str, Any] = dict(overrides)  # timings only: every one a float field
    return dataclasses.replace(base, **changes)


@contextlib.asynccontextmanager
async def running_gateway(
    emu: Emulator,
    endpoints: Endpoints,
    data_dir: Path,
    *,
    calendar: Calendar | None = None,
    **overrides: float,
) -> AsyncIterator[Gateway]:
    """The gateway service under a runtime of its own, connected and ready; ``calendar``
    (the real clock by default) is what it stamps facts with."""
    settings = Settings(
        service="gateway",
        runtime_dir=data_dir,
        data_dir=data_dir,
        endpoints=endpoints,
        calendar=calendar or Calendar(),
    )
    runtime = Runtime(settings, BusClient("gateway", endpoints), RedactingFilter())
    gateway = Gateway(config_for(emu, **overrides))

    async def serve(envelope: Envelope, request: Request) -> Reply:
        if isinstance(request, Ping):
            return Pong(service="gateway", pid=os.getpid())
        return await gateway.handle_request(envelope, request)

    runtime.bus.on_requests(serve)
    await gateway.setup(runtime)
    await runtime.bus.start(timeout=STEP)
    work = asyncio.create_task(gateway.run(runtime))
    ready = asyncio.create_task(gateway.ready.wait())
    try:
        await asyncio.wait({work, ready}, timeout=STEP, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            if work.done():
                work.result()
            raise TimeoutError("the gateway did not become ready")
        yield gateway
    finally:
        ready.cancel()
        work.cancel()
        await asyncio.wait({work, ready}, timeout=STEP)
        await runtime.bus.close()
        await runtime.tasks.cancel_all(timeout=STEP)


async def gateway_process(
    runtime_dir: Path, emu: Emulator, token: str, **env: str
) -> asyncio.subprocess.Process:
    """``python -m services.gateway`` on the bus under ``runtime_dir``, against ``emu``.

    Its log (DEBUG, stdout and stderr together) is the process's stdout pipe;
    ``env`` adds or overrides variables.
    """
    environment = {
        **os.environ,
        "SQUADTIME_RUNTIME_DIR": str(runtime_dir),
        "SQUADTIME_DATA_DIR": str(runtime_dir / "data"),
        "SQUADTIME_LOG_LEVEL": "DEBUG",
        "SQUADTIME_DISCORD_API": emu.api_url,
        "DISCORD_TOKEN": token,
        **env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.gateway",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


type Answer = Callable[[Envelope, Request], Awaitable[Reply]]


@dataclass
class Peer:
    """Another service on the bus: collects the gateway's events, may answer requests."""

    client: BusClient
    events: list[Envelope] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def of[E: EventMessage](self, kind: type[E]) -> list[E]:
        return [e.body for e in self.events if isinstance(e.body, kind)]

    async def wait_for[E: EventMessage](
        self, kind: type[E], predicate: Callable[[E], bool] = lambda _: True, count: int = 1
    ) -> list[E]:
        """The events of ``kind`` that satisfy ``predicate``, once there are ``count`` of them."""
        async with asyncio.timeout(STEP):
            while True:
                found = [e for e in self.of(kind) if predicate(e)]
                if len(found) >= count:
                    return found
                self.arrived.clear()
                await self.arrived.wait()


@contextlib.asynccontextmanager
async def peer(
    endpoints: Endpoints, name: str = "scheduler", answer: Answer | None = None
) -> AsyncIterator[Peer]:
    """A started bus client named ``name`` subscribed to ``gateway.``."""
    client = BusClient(name, endpoints)
    found = Peer(client)

    async def collect(batch: Sequence[Envelope]) -> None:
        found.events.extend(batch)
        found.arrived.set()

    client.subscribe("gateway.")
    client.on_events(collect)
    if answer is not None:
        client.on_requests(answer)
    await client.start(timeout=STEP)
    try:
        yield found
    finally:
        await client.close()

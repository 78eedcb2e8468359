"""Bounded connections: nobody holds the dashboard's sockets by opening them and saying nothing.

Three bounds, each against one way of holding them:

- **Idle seconds.** aiohttp closes a connection whose request has not arrived within its
  ``keepalive_timeout``, counted from the connection's opening and again from the end of each
  answer (aiohttp 3.14, ``web_protocol.RequestHandler.connection_made`` and
  ``_process_keepalive``: "there's no other protection against a dead connection that
  doesn't send a request at all"); a half-sent request is as idle as a silent one, since the
  handler waits for whole headers. Its default, 3,630 s, let 120 silent connections stay
  for an hour; here it is a few seconds (a browser opens a new connection when it needs one).
- **Per address.** One client address holds at most ``per_address`` connections; more are
  closed as they open. Browsers open at most six per host, so 32 leaves room for a
  household behind one address, or for a reverse proxy's pool.
- **A descriptor budget.** All connections together stay ``reserve`` below the process's
  descriptor limit, so that the program itself (its bus sockets, a Discord login, its log)
  never meets "Too many open files". When the budget is full, a new connection takes the
  place of the one that has been idle the longest: a member who connects is let in while
  anyone is merely holding a socket. Only when every connection is busy is the newcomer
  closed.

A closed connection ends its handler at once (``handler_cancellation``: "when a client
disconnects, the web handler task will be cancelled", docs.aiohttp.org, Web Server Advanced,
Peer disconnection), so a closed live board stops asking the scheduler for the board.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bus.clock import STEADY, Clock
from services.web.quietlog import QuietLog

log = logging.getLogger(__name__)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PER_ADDRESS = 32


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The dashboard's bounds on connections (see the module's docstring)."""

    idle_seconds: float = 5.0
    per_address: int = PER_ADDRESS
    most: int = 1024
    """Connections at once, at most; fewer when the descriptor limit is lower."""
    reserve: int = 64
    """Descriptors kept for the program itself."""

    def budget(self) -> int:
        """How many connections may be open at once under this process's descriptor limit."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.most
        return max(1, min(self.most, soft - self.reserve))


@dataclass(slots=True)
class _Open:
    address: str
    idle_since: float
    busy: int = 0


class Gate:
    """Which connections are open, from where, and whether each is answering a request."""

    def __init__(self, limits: ConnectionLimits, clock: Clock = STEADY):
        self.limits = limits
        self.budget = limits.budget()
        self._clock = clock
        self._open: dict[asyncio.BaseTransport, _Open] = {}
        self._per_address: Counter[str] = Counter()
        self.refused = QuietLog(log, "refused connections (too many from one address, or all busy)")
        self.evicted = 0

    @property
    def count(self) -> int:
        """Connections open now."""
        return len(self._open)

    @property
    def answering(self) -> int:
        """Connections answering a request now (live boards included)."""
        return sum(1 for o in self._open.values() if o.busy)

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        """Whether a new connection may stay; room is made by closing the longest idle."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else str(peer)
        if self._per_address[address] >= self.limits.per_address:
            self.refused.note()
            return False
        if len(self._open) >= self.budget and not self._evict_one():
            self.refused.note()
            return False
        self._open[transport] = _Open(address, self._clock.now())
        self._per_address[address] += 1
        return True

    def release(self, transport: asyncio.BaseTransport) -> None:
        gone = self._open.pop(transport, None)
        if gone is not None:
            self._per_address[gone.address] -= 1
            if not self._per_address[gone.address]:
                del self._per_address[gone.address]

    def _evict_one(self) -> bool:
        idle = [(o.idle_since, t) for t, o in self._open.items() if not o.busy]
        if not idle:
            return False
        _, oldest = min(idle, key=lambda pair: pair[0])
        self.release(oldest)
        oldest.close()
        self.evicted += 1
        return True

    def busy(self, transport: asyncio.BaseTransport | None) -> None:
        if transport is not None and (found := self._open.get(transport)) is not None:
            found.busy += 1

    def idle(self, transport: asyncio.BaseTransport | None) -> None:
        if transport is not None and (found := self._open.get(transport)) is not None:
            found.busy -= 1
            found.idle_since = self._clock.now()


GATE = web.AppKey("gate", Gate)


@web.middleware
async def busy_while_answering(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A connection answering a request (a live board included) is never the one evicted."""
    gate = request.app[GATE]
    transport = request.transport
    gate.busy(transport)
    try:
        return await handler(request)
    finally:
        gate.idle(transport)


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, let in only if the gate admits it."""

    def __init__(self, gate: Gate, inner: RequestHandler) -> None:
        self._gate = gate
        self._inner = inner
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._gate.admit(transport):
            transport.close()
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._inner.data_received(data)

    def eof_received(self) -> None:
        if self._transport is not None:
            self._inner.eof_received()

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._gate.release(self._transport)
            self._inner.connection_lost(exc)


class GatedSite(web.BaseSite):
    """aiohttp's ``TCPSite``, each connection let in (or not) by ``gate``."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, gate: Gate) -> None:
        super().__init__(runner)
        self._host, self._port, self._gate = host, port, gate

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None  # the runner is set up before its sites start
        gate = self._gate
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _Guarded(gate, server()),
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=True,
        )

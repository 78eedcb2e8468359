"""Requests and replies: straight from the requester to the service, not through the broker.

A service that answers requests binds a ROUTER socket at its own address
(``ipc://<runtime>/req-<service>.sock``); a requester keeps one DEALER per
service it asks. One hop each way keeps a round trip close to plain REQ/REP,
and requests keep working while the broker restarts.

The requester follows the ZeroMQ guide's Lazy Pirate: each attempt waits a
share of the deadline, then the same envelope (same id) is sent again; the
service keeps its recent answers by id, so a repeat is answered from that
cache instead of being run twice. A request to a dead service waits out its
deadline and fails with ``RequestTimeout`` — it never hangs — and the socket
is replaced, dropping what it had queued. Whether a timeout means "down" or
only "slow" is judged from when the service was last heard from, and logged
once per service and interval, not per request (``bus.liveness``). A request that reaches a service
after its deadline (queued while the service restarted) is dropped unanswered.
A request refused on decode (an instant out of range, a wrong field type) in an
envelope that is sound is answered ``bad_request`` at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

import zmq
import zmq.asyncio
import zmq.auth.asyncio

from bus.codec import FrameError, decode, encode
from bus.counters import Counters
from bus.endpoints import Endpoints, apply_client_curve, apply_server_curve
from bus.errors import ErrorCode, RequestRefused
from bus.liveness import Liveness
from bus.protocol import Envelope, ErrorReply, Reply, ReplyMessage, Request, RequestMessage, tag_of
from bus.readable import SocketReader
from bus.tasks import TaskSet

log = logging.getLogger(__name__)

RequestHandler = Callable[[Envelope, Request], Awaitable[Reply]]
ReplyFactory = Callable[[Reply, str], Envelope]
DropCounter = Callable[[str], None]

_RECENT = 2_000  # answers kept at most, whatever their deadlines
_KEPT_PAST_DEADLINE = 5.0  # a repeat can only come while its requester still waits
_KEPT_WITHOUT_DEADLINE = 60.0


class RequestServer:
    """Answers one service's requests on its ROUTER socket."""

    def __init__(
        self,
        context: zmq.asyncio.Context,
        endpoints: Endpoints,
        service: str,
        handler: RequestHandler,
        make_reply: ReplyFactory,
        drop: DropCounter,
        tasks: TaskSet,
        counters: Counters,
    ) -> None:
        self._context = context
        self._endpoints = endpoints
        self._counters = counters
        self._address = endpoints.request_address(service)
        self.address = self._address
        self._handler = handler
        self._make_reply = make_reply
        self._drop = drop
        self._tasks = tasks
        # id -> (kept until, the encoded answer; None while it is being worked out)
        self._recent: OrderedDict[str, tuple[float, bytes | None]] = OrderedDict()
        self._socket: zmq.Socket[bytes] | None = None
        self._reader: SocketReader | None = None
        self._auth: zmq.auth.asyncio.AsyncioAuthenticator | None = None

    def start(self) -> None:
        """Bind the service's request address (taking over a dead predecessor's ipc file)."""
        curve = self._endpoints.curve
        if curve is not None and curve.allowed_clients is not None:
            self._auth = zmq.auth.asyncio.AsyncioAuthenticator(self._context)
            self._auth.start()
            self._auth.configure_curve(domain="*", location=str(curve.allowed_clients))
        socket: zmq.Socket[bytes] = zmq.Socket(self._context, zmq.ROUTER)
        socket.linger = 0
        if curve is not None:
            apply_server_curve(socket, curve.as_server())
        if self._address.startswith("ipc://"):
            Path(self._address.removeprefix("ipc://")).unlink(missing_ok=True)
        socket.bind(self._address)
        self._socket = socket
        # "tcp://host:*" binds a free port: this is the address to give requesters.
        self.address = socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self._reader = SocketReader(socket, self._receive)
        self._reader.start()

    def _receive(self, frames: list[bytes]) -> None:
        if len(frames) != 2:
            self._drop(f"request with {len(frames)} frames")
            return
        identity, payload = frames
        try:
            envelope = decode(payload)
        except FrameError as error:
            self._drop(str(error))
            if error.head is not None:
                # The envelope is sound, only its message was refused (an instant out of
                # range...): say so now rather than let the requester wait out its deadline.
                refusal = ErrorReply(code=ErrorCode.BAD_REQUEST, message=f"refused: {error}")
                self._send(identity, encode(self._make_reply(refusal, error.head.id)))
            return
        if not isinstance(envelope.body, RequestMessage):
            self._drop(f"{tag_of(envelope.body)!r} sent as a request")
            return
        self._accept(identity, envelope, envelope.body)

    def _accept(self, identity: bytes, envelope: Envelope, request: Request) -> None:
        now = time.time()
        if envelope.id in self._recent:
            cached = self._recent[envelope.id][1]
            if cached is not None:
                self._send(identity, cached)
            return  # still being answered: the answer will go out once
        if envelope.deadline and envelope.deadline < now:
            self._drop(f"{tag_of(request)!r} arrived after its deadline")
            return
        self._forget_old_answers(now)
        keep_until = (
            envelope.deadline + _KEPT_PAST_DEADLINE
            if envelope.deadline
            else now + _KEPT_WITHOUT_DEADLINE
        )
        self._recent[envelope.id] = (keep_until, None)
        # Eager: a handler that needs no await answers before the loop turns.
        self._tasks.spawn(
            self._answer(identity, envelope, request), name=f"answer.{tag_of(request)}", eager=True
        )

    async def _answer(self, identity: bytes, envelope: Envelope, request: Request) -> None:
        reply: Reply
        try:
            reply = await self._handler(envelope, request)
        except RequestRefused as refusal:
            reply = ErrorReply(code=refusal.code, message=refusal.message)
        except Exception:
            log.exception("request %s failed", tag_of(request))
            reply = ErrorReply(code="internal", message="internal error; see the service log")
        self._counters.handled += 1
        payload = encode(self._make_reply(reply, envelope.id))
        if envelope.id in self._recent:
            self._recent[envelope.id] = (self._recent[envelope.id][0], payload)
        self._send(identity, payload)

    def _forget_old_answers(self, now: float) -> None:
        """Drop answers no requester can ask for again (past their deadline), oldest first.

        Answers can be large (a day's marks): kept by count alone, 2,000 of them held a busy
        service's memory some 25 MB above its needs.
        """
        recent = self._recent
        while recent and (len(recent) >= _RECENT or next(iter(recent.values()))[0] < now):
            recent.popitem(last=False)

    def _send(self, identity: bytes, payload: bytes) -> None:
        if self._socket is None:
            return
        try:
            self._socket.send_multipart([identity, payload], flags=zmq.NOBLOCK)
        except zmq.ZMQError as error:  # the requester went away
            self._drop(f"reply undeliverable: {error}")
        if self._reader is not None:
            self._reader.poke()

    @property
    def kept_answers(self) -> int:
        """Answers kept for repeated requests (for tests and the heartbeat)."""
        return len(self._recent)

    def close(self) -> None:
        """Release the socket and the authenticator."""
        if self._reader is not None:
            self._reader.stop()
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None
        if self._auth is not None:
            self._auth.stop()
            self._auth = None


class Requester:
    """Sends requests to services over one DEALER per service, matching replies by id."""

    def __init__(
        self,
        context: zmq.asyncio.Context,
        endpoints: Endpoints,
        drop: DropCounter,
        counters: Counters,
        liveness: Liveness,
    ) -> None:
        self._context = context
        self._endpoints = endpoints
        self._drop = drop
        self._counters = counters
        self._liveness = liveness
        self._dealers: dict[str, tuple[zmq.Socket[bytes], SocketReader]] = {}
        self._pending: dict[str, asyncio.Future[Reply]] = {}

    async def ask(self, target: str, envelope: Envelope, timeout: float, attempts: int) -> Reply:
        """Send ``envelope`` to ``target`` until it answers or ``timeout`` passes."""
        payload = encode(envelope)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                for attempt in range(attempts):
                    if attempt:
                        self._counters.retried += 1
                    # A fresh future each attempt: a timed-out await cancels its future.
                    future: asyncio.Future[Reply] = loop.create_future()
                    self._pending[envelope.id] = future
                    self._send(target, payload)
                    try:
                        async with asyncio.timeout(timeout / attempts):
                            return await future
                    except TimeoutError:
                        continue
                future = loop.create_future()
                self._pending[envelope.id] = future
                return await future
        except TimeoutError:
            # Lazy Pirate: a fresh socket next time, without this one's queued requests.
            self._forget(target)
            raise self._liveness.timed_out(target, tag_of(envelope.body), timeout) from None
        finally:
            self._pending.pop(envelope.id, None)

    def _send(self, target: str, payload: bytes) -> None:
        dealer, reader = self._dealer(target)
        try:
            dealer.send(payload, flags=zmq.NOBLOCK)
        except zmq.Again:
            self._drop(f"request queue to {target} is full")
        reader.poke()

    def _dealer(self, target: str) -> tuple[zmq.Socket[bytes], SocketReader]:
        if target not in self._dealers:
            dealer: zmq.Socket[bytes] = zmq.Socket(self._context, zmq.DEALER)
            dealer.linger = 0
            apply_client_curve(dealer, self._endpoints.curve)
            dealer.connect(self._endpoints.request_address(target))
            reader = SocketReader(dealer, lambda frames: self._reply(target, frames))
            reader.start()
            self._dealers[target] = (dealer, reader)
        return self._dealers[target]

    def _reply(self, target: str, frames: list[bytes]) -> None:
        try:
            envelope = decode(frames[-1])
        except FrameError as error:
            self._drop(str(error))
            return
        self._liveness.heard(target)  # any answer, even late or refusing, proves it runs
        if not isinstance(envelope.body, ReplyMessage):
            self._drop(f"{tag_of(envelope.body)!r} sent as a reply")
            return
        future = self._pending.get(envelope.correlation)
        if future is not None and not future.done():
            future.set_result(envelope.body)

    def _forget(self, target: str) -> None:
        if target in self._dealers:
            dealer, reader = self._dealers.pop(target)
            reader.stop()
            dealer.close(linger=0)

    def close(self) -> None:
        """Cancel waiting requests and release the sockets."""
        for future in self._pending.values():
            future.cancel()
        for target in list(self._dealers):
            self._forget(target)

"""The asyncio bus client every process uses: publish, subscribe, request, record.

Joining
-------
``start()`` connects a PUB socket to the broker's input and a SUB socket to
its output, subscribes, then sends itself ``Probe`` messages until one comes
back. A probe that returns proves that the broker forwarded our subscriptions
and that our publisher is connected, so nothing sent afterwards is lost to the
"slow joiner" race — the wait is on a fact, never on a sleep.

Requests
--------
``request()`` goes straight to the service's own socket, with a deadline, and
fails with ``RequestTimeout`` when nobody answers in time (see ``bus.rpc``).
The first request to a service also subscribes to its heartbeats, so that a
timeout can tell a slow service from one that is down (see ``bus.liveness``).

Recorded events: at least once to the recorder
----------------------------------------------
Some events are facts the telemetry service (the recorder) must store.
``record()`` publishes them like any event, but also keeps them in an
in-memory *outbox* keyed by the publisher's sequence number. The recorder
writes a batch in one transaction and only after the commit publishes
``Ack(seqs)`` on ``ack.<instance>``; the publisher then forgets those events.
Anything not acknowledged within ``retry_after`` is sent again, oldest first,
with the interval doubling (capped) while no acknowledgement arrives, so a
long outage costs little traffic.

This survives a SIGKILL of either party between publisher and record:

* **Recorder killed**: events it had received but not committed were never
  acknowledged, so they are re-sent and reach the restarted recorder.
* **Broker killed**: frames in flight vanish with it; ZeroMQ reconnects every
  socket to the restarted broker and re-sends the subscriptions, and the
  unacknowledged events are re-sent.

Re-sending makes duplicates possible (an ack lost with a killed broker, a
commit just before a kill). Every envelope carries ``id = <instance>:<seq>``,
unique across restarts, and the recorder stores the ids it committed in the
same transaction as the facts, so it recognises a repeat and acknowledges it
without recording it again: at-least-once delivery, exactly-once record.

Poison: an event that can never be stored
-----------------------------------------
A recorded event whose message is refused on decode (an instant that is not
finite or out of range, a wrong field type) would be re-sent for ever, since
no recorder can acknowledge what it cannot read. Its envelope is usually sound,
though, so the receiver reads the envelope's head on its own (``bus.codec``) and
hands the frame to the recorder's ``on_refused`` handler, which sets it aside
(telemetry keeps it as a dead letter) and acknowledges it: the stream moves on.
A frame whose message has a tag this release does not know is *not* set aside:
it comes from a newer publisher and waits, unacknowledged, for a newer recorder.
Processes without such a handler count, log and drop refused frames.

A recorder that cannot store (a full disk) acknowledges nothing: its handler
raises ``Deferred`` and the events come back with the next re-send. The outbox
is bounded (``outbox_limit``): a publisher whose records wait longer than
``stalled_after`` seconds says so in one log line, and only once the outbox is full
does it drop its oldest records, again with one line for the episode, not one
per record. A line says when acknowledgements come back.

The outbox lives in the publisher's memory: a SIGKILL of the *publisher*
loses what it had not yet had acknowledged. The publishers therefore
reconcile on restart from the source of truth (the gateway's guild snapshot,
the daily message's actual reactions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import assert_never

import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

from bus.codec import FrameError, Head, decode, encode
from bus.counters import Counters
from bus.endpoints import Endpoints, apply_client_curve
from bus.errors import BusUnavailable, ErrorCode, RemoteError
from bus.liveness import Liveness
from bus.protocol import (
    Ack,
    Body,
    ControlMessage,
    Envelope,
    ErrorReply,
    Event,
    EventMessage,
    Heartbeat,
    Probe,
    ReplyMessage,
    Request,
    RequestMessage,
    message_types,
    tag_of,
)
from bus.rpc import Requester, RequestHandler, RequestServer
from bus.tasks import TaskSet

log = logging.getLogger(__name__)

EventHandler = Callable[[Sequence[Envelope]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RefusedFrame:
    """A subscribed event whose envelope is sound but whose message was refused on decode."""

    topic: str
    payload: bytes  # the frame as it arrived
    reason: str
    head: Head


RefusalHandler = Callable[[RefusedFrame], Awaitable[None]]


class Deferred(Exception):
    """Raised by an event handler that cannot handle its batch now, for a reason it has
    already reported (a full disk): the batch counts as dropped without a log line of its
    own, and its recorded events, unacknowledged, come back with their publisher's re-send."""


_HIGH_WATER_MARK = 200_000
_RESEND_TICK = 0.1
_REFUSED_QUEUE = 1_000  # past it, a refused record waits for its publisher's next re-send
# Records kept for the recorder: a few weeks of a community's voice events, yet a few tens of
# megabytes at most (a voice event is about 400 bytes in the outbox), which a Pi can spare.
OUTBOX_LIMIT = 100_000
STALLED_AFTER = 30.0  # seconds without an acknowledgement before the publisher says so
_EVENT_TAGS = frozenset(tag_of(cls) for cls in message_types() if issubclass(cls, EventMessage))


@dataclass(slots=True)
class _Unacked:
    topic: bytes
    frame: bytes
    sent_at: float


class BusClient:
    """One process's connection to the bus.

    ``service`` names the process (``telemetry``); when it serves requests they
    arrive at ``endpoints.request_address(service)``. Set handlers before ``start()``.
    """

    def __init__(
        self,
        service: str,
        endpoints: Endpoints,
        *,
        retry_after: float = 1.0,
        retry_cap: float = 8.0,
        outbox_limit: int = OUTBOX_LIMIT,
        stalled_after: float = STALLED_AFTER,
        queue_limit: int = 50_000,
        batch_size: int = 1_000,
        liveness: Liveness | None = None,
    ) -> None:
        endpoints.check()
        self.service = service
        self.instance = f"{service}-{os.getpid()}-{secrets.token_hex(4)}"
        self.counters = Counters()
        self._endpoints = endpoints
        self._retry_base = retry_after
        self._retry_cap = retry_cap
        self._retry_after = retry_after
        self._outbox_limit = outbox_limit
        self._stalled_after = stalled_after
        self._batch_size = batch_size
        self._prefixes: list[str] = []
        self.liveness = liveness if liveness is not None else Liveness()
        self._event_handler: EventHandler | None = None
        self._refusal_handler: RefusalHandler | None = None
        self._refused: asyncio.Queue[RefusedFrame] = asyncio.Queue(maxsize=_REFUSED_QUEUE)
        self._request_handler: RequestHandler | None = None
        self._seq = 0
        self._outbox: OrderedDict[int, _Unacked] = OrderedDict()
        self._acked_since_resend = True
        self._stalled_since: float | None = None  # unacknowledged since (monotonic)
        self._stall_told = False
        self._outbox_dropped = 0  # records dropped since the outbox last had room
        self._events: asyncio.Queue[Envelope] = asyncio.Queue(maxsize=queue_limit)
        self._probe_token = ""
        self._probe_seen = asyncio.Event()
        self._progress = asyncio.Event()  # set whenever events are handled or records acked
        self._tasks = TaskSet()
        self._requester: Requester | None = None
        self._server: RequestServer | None = None
        self._context: zmq.asyncio.Context | None = None
        # PUB never blocks (past its high-water mark ZeroMQ drops), so it is a
        # plain socket; SUB is awaited, with a plain shadow to drain it.
        self._pub: zmq.Socket[bytes] | None = None
        self._sub: zmq.asyncio.Socket | None = None
        self._sub_drain: zmq.Socket[bytes] | None = None
        self._monitor: zmq.asyncio.Socket | None = None
        self._connections = 0
        self._bad_frames_logged = 0

    # ------------------------------------------------------------------ setup

    def subscribe(self, prefix: str) -> None:
        """Receive events whose topic starts with ``prefix`` (before or after start)."""
        self._prefixes.append(prefix)
        if self._sub is not None:
            self._sub.subscribe(prefix)

    def on_events(self, handler: EventHandler) -> None:
        """Hand subscribed events to ``handler`` in order, in batches of what has arrived."""
        self._event_handler = handler

    def on_refused(self, handler: RefusalHandler) -> None:
        """Recorder side: hand subscribed events refused on decode to ``handler``, in order.

        The handler sets the frame aside and acknowledges it (``ack([frame.head])``);
        without one, such frames are counted, logged and dropped.
        """
        self._refusal_handler = handler

    def on_requests(self, handler: RequestHandler) -> None:
        """Answer requests sent to this service with ``handler``."""
        self._request_handler = handler

    async def start(self, timeout: float = 10.0) -> None:
        """Connect and wait until the broker demonstrably forwards our traffic."""
        self._context = zmq.asyncio.Context()
        pub: zmq.Socket[bytes] = zmq.Socket(self._context, zmq.PUB)
        sub = self._context.socket(zmq.SUB)
        self._sub_drain = zmq.Socket.shadow(sub.underlying)
        for socket in (pub, self._sub_drain):
            socket.linger = 500
            socket.sndhwm = _HIGH_WATER_MARK
            socket.rcvhwm = _HIGH_WATER_MARK
            apply_client_curve(socket, self._endpoints.curve)
        # Watched before connecting, so the first connection is counted too.
        self._monitor = sub.get_monitor_socket(zmq.EVENT_CONNECTED)
        pub.connect(self._endpoints.publish)
        sub.connect(self._endpoints.subscribe)
        self._pub, self._sub = pub, sub
        for prefix in [*self._prefixes, f"ack.{self.instance}"]:
            sub.subscribe(prefix)
        self._requester = Requester(
            self._context, self._endpoints, self._drop_frame, self.counters, self.liveness
        )
        if self._request_handler is not None:
            self._server = RequestServer(
                self._context,
                self._endpoints,
                self.service,
                self._request_handler,
                lambda reply, correlation: self._envelope(reply, correlation=correlation),
                self._drop_frame,
                self._tasks,
                self.counters,
            )
            self._server.start()
        # Subscribed last: once the probe comes back, everything above is live.
        sub.subscribe(f"probe.{self.instance}")

        self._tasks.spawn(self._receive_loop(), name=f"{self.service}.receive")
        self._tasks.spawn(self._count_connections(), name=f"{self.service}.connections")
        self._tasks.spawn(self._resend_loop(), name=f"{self.service}.resend")
        if self._event_handler is not None:
            self._tasks.spawn(
                self._dispatch_loop(self._event_handler), name=f"{self.service}.events"
            )
        if self._refusal_handler is not None:
            self._tasks.spawn(
                self._refusal_loop(self._refusal_handler), name=f"{self.service}.refused"
            )
        try:
            await self._wait_for_probe(timeout)
        except BusUnavailable:
            await self.close()
            raise

    async def _wait_for_probe(self, timeout: float) -> None:
        self._probe_token = secrets.token_hex(8)
        self._probe_seen.clear()
        deadline = time.monotonic() + timeout
        interval = 0.01
        while not self._probe_seen.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BusUnavailable(
                    f"the bus broker did not answer within {timeout:.1f} s"
                    f" at {self._endpoints.publish}; is the bus process running?"
                )
            self._send_raw(
                f"probe.{self.instance}", encode(self._envelope(Probe(token=self._probe_token)))
            )
            try:
                async with asyncio.timeout(min(interval, remaining)):
                    await self._probe_seen.wait()
            except TimeoutError:
                interval = min(interval * 2, 0.5)

    async def close(self, drain_timeout: float = 0.0) -> None:
        """Stop, after up to ``drain_timeout`` s for queued events and unacked records."""
        if drain_timeout > 0:
            try:
                async with asyncio.timeout(drain_timeout):
                    while self._events.qsize() or self._refused.qsize() or self._outbox:
                        self._progress.clear()
                        await self._progress.wait()
            except TimeoutError:
                log.warning(
                    "stopping with %d events unhandled and %d records unacknowledged",
                    self._events.qsize(),
                    len(self._outbox),
                )
        await self._tasks.cancel_all()
        if self._requester is not None:
            self._requester.close()
        if self._server is not None:
            self._server.close()
        if self._sub is not None and self._monitor is not None:
            self._sub.disable_monitor()
            self._monitor.close(linger=0)
            self._monitor = None
        for socket in (self._pub, self._sub):
            if socket is not None:
                socket.close(linger=200)
        self._pub = self._sub = self._sub_drain = None
        if self._context is not None:
            self._context.term()
            self._context = None

    async def __aenter__(self) -> BusClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ---------------------------------------------------------------- sending

    @property
    def serving_at(self) -> str:
        """The address this client answers requests at ("" when it serves none)."""
        return self._server.address if self._server is not None else ""

    @property
    def kept_answers(self) -> int:
        """Answers kept for requests that may be sent again (0 when this client serves none)."""
        return self._server.kept_answers if self._server is not None else 0

    @property
    def subscriber_connections(self) -> int:
        """How often the subscriber connected to the broker: more than once after a restart
        of the broker, when events published meanwhile were lost (plain events are not
        re-sent); a subscriber that must not miss any reconciles when this grows."""
        return self._connections

    async def _count_connections(self) -> None:
        assert self._monitor is not None
        monitor = self._monitor
        while True:
            event = parse_monitor_message(await monitor.recv_multipart())
            if event["event"] == zmq.EVENT_CONNECTED:
                self._connections += 1

    @property
    def unacked(self) -> int:
        """Recorded events still waiting for the recorder's acknowledgement."""
        return len(self._outbox)

    def unacked_ids(self) -> frozenset[str]:
        """The envelope ids of the recorded events still waiting for an acknowledgement."""
        return frozenset(f"{self.instance}:{seq}" for seq in self._outbox)

    @property
    def queue_depth(self) -> int:
        """Received events not yet handled."""
        return self._events.qsize()

    def publish(self, event: Event) -> Envelope:
        """Publish a fact on ``<service>.<tag>``; fire and forget."""
        envelope = self._envelope(event)
        self._send_raw(f"{self.service}.{tag_of(event)}", encode(envelope))
        return envelope

    def record(self, event: Event) -> Envelope:
        """Publish a fact that the recorder must store; re-sent until acknowledged."""
        envelope = self._envelope(event, recorded=True)
        topic = f"{self.service}.{tag_of(event)}".encode()
        frame = encode(envelope)
        if len(self._outbox) >= self._outbox_limit:
            lost_seq, _ = self._outbox.popitem(last=False)
            self.counters.dropped += 1
            self._outbox_dropped += 1
            if self._outbox_dropped == 1:
                log.error(
                    "%d records wait for the recorder, the most kept: dropping the oldest"
                    " from now on (the first: %d); see the recorder's log",
                    len(self._outbox) + 1,
                    lost_seq,
                )
        self._outbox[envelope.seq] = _Unacked(topic, frame, time.monotonic())
        self._send_frames(topic, frame)
        return envelope

    def ack(self, envelopes: Iterable[Envelope | Head]) -> None:
        """Acknowledge recorded events once they are durably stored or set aside (recorder side)."""
        by_instance: dict[str, list[int]] = {}
        for envelope in envelopes:
            if envelope.recorded:
                by_instance.setdefault(envelope.instance, []).append(envelope.seq)
        for instance, seqs in by_instance.items():
            self._send_raw(f"ack.{instance}", encode(self._envelope(Ack(seqs=seqs))))

    async def request[R: ReplyMessage](
        self,
        target: str,
        body: Request,
        *,
        expect: type[R],
        timeout: float = 2.0,
        attempts: int = 3,
    ) -> R:
        """Ask ``target`` and return its reply of type ``expect``.

        Raises RequestTimeout when no reply comes within ``timeout`` seconds,
        RemoteError when the service answers with an error.
        """
        if self._requester is None:
            raise BusUnavailable("the bus client is not started")
        self.watch(target)
        envelope = self._envelope(body, deadline=time.time() + timeout)
        reply = await self._requester.ask(target, envelope, timeout, attempts)
        if isinstance(reply, ErrorReply):
            raise RemoteError(target, reply.code, reply.message)
        if not isinstance(reply, expect):
            raise RemoteError(
                target, ErrorCode.PROTOCOL, f"answered {tag_of(reply)!r} to {tag_of(body)!r}"
            )
        return reply

    def watch(self, service: str) -> None:
        """Follow ``service``'s heartbeats, so that a request to it that times out tells a
        slow service from one that is down (done by the first request to it)."""
        if self._sub is None:
            raise BusUnavailable("the bus client is not started")
        if self.liveness.listen(service):
            self._sub.subscribe(f"{service}.heartbeat")

    def _envelope(
        self,
        body: Body,
        *,
        recorded: bool = False,
        correlation: str = "",
        deadline: float = 0.0,
    ) -> Envelope:
        self._seq += 1
        return Envelope(
            id=f"{self.instance}:{self._seq}",
            source=self.service,
            instance=self.instance,
            seq=self._seq,
            time=time.time(),
            body=body,
            recorded=recorded,
            correlation=correlation,
            deadline=deadline,
        )

    def _send_raw(self, topic: str, frame: bytes) -> None:
        self._send_frames(topic.encode(), frame)

    def _send_frames(self, topic: bytes, frame: bytes) -> None:
        if self._pub is None:
            raise BusUnavailable("the bus client is not started")
        try:
            self._pub.send_multipart([topic, frame], flags=zmq.NOBLOCK)
        except zmq.Again:
            # Past the high-water mark; the outbox re-sends what mattered.
            self.counters.dropped += 1

    # -------------------------------------------------------------- receiving

    async def _receive_loop(self) -> None:
        assert self._sub is not None
        assert self._sub_drain is not None
        sub, drain = self._sub, self._sub_drain
        while True:
            self._receive(await sub.recv_multipart())
            # Drain what is already queued without a round trip through the loop.
            for _ in range(self._batch_size):
                try:
                    frames = drain.recv_multipart(flags=zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._receive(frames)

    def _receive(self, frames: list[bytes]) -> None:
        if len(frames) != 2:
            self._drop_frame(f"{len(frames)} frames")
            return
        try:
            envelope = decode(frames[1])
        except FrameError as error:
            self._refuse(frames[0], frames[1], error)
            return
        body = envelope.body
        match body:
            case ControlMessage():
                self._control(envelope, body)
            case ReplyMessage() | RequestMessage():
                self._drop_frame(f"{tag_of(body)!r} published; it belongs on a request socket")
            case EventMessage():
                if isinstance(body, Heartbeat):
                    self.liveness.heard(body.service)
                    if not self._subscribed(frames[0]):
                        return  # subscribed to for liveness only
                try:
                    self._events.put_nowait(envelope)
                except asyncio.QueueFull:
                    self.counters.dropped += 1
            case _:
                assert_never(body)

    def _subscribed(self, topic: bytes) -> bool:
        return any(topic.startswith(prefix.encode()) for prefix in self._prefixes)

    def _refuse(self, topic: bytes, payload: bytes, error: FrameError) -> None:
        head = error.head
        if head is None or head.tag not in _EVENT_TAGS or self._refusal_handler is None:
            self._drop_frame(str(error))
            return
        # Counted but not logged here: the handler logs the one line, once per event.
        self.counters.dropped += 1
        refused = RefusedFrame(topic.decode(errors="replace"), payload, str(error), head)
        # Past the queue's bound, a recorded one comes back with its publisher's next re-send.
        with contextlib.suppress(asyncio.QueueFull):
            self._refused.put_nowait(refused)

    def _control(self, envelope: Envelope, body: ControlMessage) -> None:
        match body:
            case Ack(seqs=seqs):
                for seq in seqs:
                    self._outbox.pop(seq, None)
                self._acked_since_resend = True
                self._retry_after = self._retry_base
                self._recorder_back()
                self._progress.set()
            case Probe(token=token):
                if token == self._probe_token:
                    self._probe_seen.set()
            case _:
                self._drop_frame(f"unexpected control message {tag_of(body)!r}")

    def _drop_frame(self, why: str) -> None:
        self.counters.dropped += 1
        self._bad_frames_logged += 1
        # Loud at first, then sparse: a flood of garbage must not flood the log.
        if self._bad_frames_logged <= 10 or self._bad_frames_logged % 1000 == 0:
            log.warning("dropped a bad frame (%d so far): %s", self.counters.dropped, why)

    # ----------------------------------------------------------------- events

    async def _dispatch_loop(self, handler: EventHandler) -> None:
        while True:
            batch = [await self._events.get()]
            while len(batch) < self._batch_size and not self._events.empty():
                batch.append(self._events.get_nowait())
            try:
                await handler(batch)
            except Deferred:
                self.counters.dropped += len(batch)
            except Exception:
                # One bad batch must not stop the service; a recorded event in
                # it stays unacknowledged and comes back.
                self.counters.dropped += len(batch)
                log.exception("event handler failed on %d events", len(batch))
            else:
                self.counters.handled += len(batch)
            self._progress.set()

    async def _refusal_loop(self, handler: RefusalHandler) -> None:
        while True:
            refused = await self._refused.get()
            try:
                await handler(refused)
            except Exception:
                # Unacknowledged, so a recorded one comes back and is tried again.
                log.exception("could not set aside refused event %s", refused.head.id)
            self._progress.set()

    def _recorder_back(self) -> None:
        if self._stall_told or self._outbox_dropped:
            stalled = time.monotonic() - (self._stalled_since or time.monotonic())
            log.warning(
                "the recorder acknowledges again after %.0f s; %d records still to send,"
                " %d dropped while the outbox was full",
                stalled,
                len(self._outbox),
                self._outbox_dropped,
            )
        self._stalled_since = None
        self._stall_told = False
        self._outbox_dropped = 0

    def _note_stall(self, now: float) -> None:
        if self._stalled_since is None:
            self._stalled_since = now
        elif not self._stall_told and now - self._stalled_since >= self._stalled_after:
            self._stall_told = True
            log.warning(
                "%d records unacknowledged for %.0f s: the recorder is down or cannot store"
                " them (see its log); kept (up to %d) and sent again until it does",
                len(self._outbox),
                now - self._stalled_since,
                self._outbox_limit,
            )

    # ---------------------------------------------------------------- resends

    async def _resend_loop(self) -> None:
        last_round = time.monotonic()
        while True:
            await asyncio.sleep(_RESEND_TICK)
            now = time.monotonic()
            if not self._outbox or now - last_round < self._retry_after:
                continue
            if not self._acked_since_resend:
                self._retry_after = min(self._retry_after * 2, self._retry_cap)
                self._note_stall(now)
            self._acked_since_resend = False
            last_round = now
            due = [
                seq for seq, item in self._outbox.items() if now - item.sent_at >= self._retry_base
            ]
            for seq in due:
                item = self._outbox[seq]
                item.sent_at = now
                self._send_frames(item.topic, item.frame)
            self.counters.retried += len(due)

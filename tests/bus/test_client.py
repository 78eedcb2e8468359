"""The bus client against a real broker: events, requests, records, bad frames."""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path

import msgspec
import pytest
import zmq

from bus.broker import Broker
from bus.client import BusClient, Deferred, RefusedFrame
from bus.endpoints import Endpoints
from bus.errors import BusUnavailable, RemoteError, RequestRefused, RequestTimeout, Verdict
from bus.liveness import Liveness
from bus.protocol import (
    DayStateReply,
    Envelope,
    GetDayState,
    Heartbeat,
    Note,
    Ping,
    Pong,
    Reply,
    Request,
    VoiceChanged,
)
from tests.helpers import HandClock, eventually
from tests.services.telemetry.events import voice


class Recorder:
    """A test peer that keeps what it receives and acknowledges recorded events."""

    def __init__(self, endpoints: Endpoints, service: str = "telemetry") -> None:
        self.client = BusClient(service, endpoints)
        self.received: list[Envelope] = []
        self.client.on_events(self.handle)

    async def handle(self, batch: Sequence[Envelope]) -> None:
        self.received.extend(batch)
        self.client.ack(batch)


async def test_events_reach_prefix_subscribers_only(endpoints: Endpoints) -> None:
    """A subscriber to ``gateway.`` gets gateway events and nothing from other sources."""
    listener = Recorder(endpoints)
    listener.client.subscribe("gateway.")
    await listener.client.start()
    gateway = BusClient("gateway", endpoints)
    scheduler = BusClient("scheduler", endpoints)
    await gateway.start()
    await scheduler.start()
    scheduler.publish(Note(key="not for you"))
    gateway.publish(Note(key="hello"))
    await eventually(lambda: len(listener.received) >= 1, 5, "the gateway event")
    assert [e.body for e in listener.received] == [Note(key="hello")]
    assert listener.received[0].source == "gateway"
    for client in (gateway, scheduler, listener.client):
        await client.close()


async def test_request_gets_typed_reply(endpoints: Endpoints) -> None:
    """A request is answered by the service it names, with the reply type asked for."""
    server = BusClient("telemetry", endpoints)

    async def answer(envelope: Envelope, request: Request) -> Reply:
        return Pong(service="telemetry", pid=os.getpid())

    server.on_requests(answer)
    await server.start()
    client = BusClient("scheduler", endpoints)
    await client.start()
    reply = await client.request("telemetry", Ping(), expect=Pong)
    assert reply.service == "telemetry"
    await client.close()
    await server.close()


async def test_request_to_stopped_service_fails_within_deadline(endpoints: Endpoints) -> None:
    """Nobody serves ``telemetry``: the request fails at its deadline with a clear error,
    before a request given a longer deadline (its deadline ends it, not a hang)."""
    client = BusClient("scheduler", endpoints)
    await client.start()
    short = asyncio.create_task(client.request("telemetry", Ping(), expect=Pong, timeout=0.6))
    long = asyncio.create_task(client.request("telemetry", Ping(), expect=Pong, timeout=3.0))
    done, _ = await asyncio.wait({short, long}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {short}
    with pytest.raises(RequestTimeout, match="telemetry service did not answer 'ping'"):
        await short
    with pytest.raises(RequestTimeout):
        await long
    await client.close()


async def test_refusal_becomes_remote_error(endpoints: Endpoints) -> None:
    """A handler's RequestRefused reaches the requester as RemoteError with its code."""
    server = BusClient("telemetry", endpoints)

    async def refuse(envelope: Envelope, request: Request) -> Reply:
        raise RequestRefused("bad_request", "no such guild")

    server.on_requests(refuse)
    await server.start()
    client = BusClient("scheduler", endpoints)
    await client.start()
    with pytest.raises(RemoteError, match="no such guild") as caught:
        await client.request("telemetry", Ping(), expect=Pong)
    assert caught.value.code == "bad_request"
    await client.close()
    await server.close()


async def test_crashing_handler_answers_internal_error(endpoints: Endpoints) -> None:
    """A bug in a handler yields an 'internal' error reply, and the service keeps serving."""
    server = BusClient("telemetry", endpoints)
    calls = 0

    async def flaky(envelope: Envelope, request: Request) -> Reply:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ZeroDivisionError
        return Pong(service="telemetry", pid=1)

    server.on_requests(flaky)
    await server.start()
    client = BusClient("scheduler", endpoints)
    await client.start()
    with pytest.raises(RemoteError) as caught:
        await client.request("telemetry", Ping(), expect=Pong)
    assert caught.value.code == "internal"
    assert (await client.request("telemetry", Ping(), expect=Pong)).pid == 1
    await client.close()
    await server.close()


async def test_retried_request_runs_once(endpoints: Endpoints) -> None:
    """A slow handler sees the re-sent request once; the requester still gets the answer."""
    server = BusClient("telemetry", endpoints)
    calls = 0

    async def slow(envelope: Envelope, request: Request) -> Reply:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.5)  # longer than one attempt's share of the deadline
        return Pong(service="telemetry", pid=calls)

    server.on_requests(slow)
    await server.start()
    client = BusClient("scheduler", endpoints)
    await client.start()
    # Each attempt has 0.3 s: the slow answer comes after a retry, well inside the deadline.
    reply = await client.request("telemetry", Ping(), expect=Pong, timeout=3.0, attempts=10)
    assert reply.pid == 1
    assert calls == 1
    assert client.counters.retried >= 1
    await client.close()
    await server.close()


async def test_records_are_resent_until_acknowledged(endpoints: Endpoints) -> None:
    """Records published before the recorder exists still reach it, and leave the outbox."""
    publisher = BusClient("gateway", endpoints, retry_after=0.2)
    await publisher.start()
    for value in range(50):
        publisher.record(Note(key="early", value=value))
    assert publisher.unacked == 50
    recorder = Recorder(endpoints)
    recorder.client.subscribe("gateway.")
    await recorder.client.start()
    await eventually(lambda: publisher.unacked == 0, 10, "every record acknowledged")
    values = {e.body.value for e in recorder.received if isinstance(e.body, Note)}
    assert values == set(range(50))
    assert all(e.recorded for e in recorder.received)
    await publisher.close()
    await recorder.client.close()


async def test_a_recorder_that_cannot_store_leaves_the_records_queued_and_said_once(
    endpoints: Endpoints, caplog: pytest.LogCaptureFixture
) -> None:
    """A recorder that defers every batch (its disk full): the publisher keeps its records, up
    to its bound, with one line when they wait too long and one when the bound drops the
    oldest; once the recorder stores again every kept record is acknowledged."""
    storing = False
    stored: list[int] = []
    recorder = BusClient("telemetry", endpoints)

    async def handle(batch: Sequence[Envelope]) -> None:
        if not storing:
            raise Deferred
        stored.extend(e.body.value for e in batch if isinstance(e.body, Note))
        recorder.ack(batch)

    recorder.subscribe("gateway.")
    recorder.on_events(handle)
    publisher = BusClient(
        "gateway", endpoints, retry_after=0.05, retry_cap=0.1, outbox_limit=20, stalled_after=0.3
    )
    async with recorder, publisher:
        for value in range(25):
            publisher.record(Note(key="waiting", value=value))
        await eventually(lambda: publisher.counters.retried >= 100, 10, "re-sends")
        assert publisher.unacked == 20
        assert publisher.counters.dropped == 5
        assert recorder.counters.dropped > 0  # deferred batches, counted but not logged
        storing = True
        await eventually(lambda: publisher.unacked == 0, 10, "every kept record acknowledged")
    assert sorted(set(stored)) == list(range(5, 25))
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([line for line in lines if "dropping the oldest" in line]) == 1
    assert len([line for line in lines if "unacknowledged for" in line]) == 1
    assert len([line for line in lines if "acknowledges again" in line]) == 1
    assert len(lines) == 3, lines


async def test_bad_frames_are_counted_and_service_keeps_serving(endpoints: Endpoints) -> None:
    """Garbage, unknown tags, wrong types and misplaced messages are dropped and counted."""
    server = Recorder(endpoints)
    server.client.subscribe("evil.")

    async def answer(envelope: Envelope, request: Request) -> Reply:
        return Pong(service="telemetry", pid=2)

    server.client.on_requests(answer)
    await server.client.start()
    client = BusClient("scheduler", endpoints)
    await client.start()

    def envelope_bytes(body: dict[str, object]) -> bytes:
        fields = {"id": "a:1", "source": "x", "instance": "a", "seq": 1, "time": 1.0}
        return msgspec.msgpack.encode({**fields, "body": body})

    published = [
        [b"evil.x", b"\xff\x00garbage"],
        [b"evil.x"],
        [b"evil.x", b"a", b"b"],
        [b"evil.x", msgspec.msgpack.encode({"id": 1})],
        [b"evil.x", envelope_bytes({"type": "nope"})],
        [b"evil.x", envelope_bytes({"type": "ping"})],  # a request has no place here
    ]
    to_request_socket = [
        [b"\x93\x01\x02"],
        [b"one", b"two"],
        [envelope_bytes({"type": "note", "key": "k"})],  # an event is not a request
        [envelope_bytes({"type": "ping", "unknown": 1}) + b"trailing"],
    ]
    context = zmq.Context()
    raw_pub = context.socket(zmq.PUB)
    raw_pub.connect(endpoints.publish)
    raw_dealer = context.socket(zmq.DEALER)
    raw_dealer.connect(endpoints.request_address("telemetry"))
    for frames in to_request_socket:
        raw_dealer.send_multipart(frames)  # queued until connected: each arrives once
    expected = len(published) + len(to_request_socket)

    def all_dropped() -> bool:
        # A PUB socket's connection is not observable: send again until counted.
        if server.client.counters.dropped < expected:
            for frames in published:
                raw_pub.send_multipart(frames)
        return server.client.counters.dropped >= expected

    await eventually(all_dropped, 5, "the bad frames to be counted")
    assert server.received == []
    assert (await client.request("telemetry", Ping(), expect=Pong)).pid == 2
    for socket in (raw_pub, raw_dealer):
        socket.close(linger=0)
    context.term()
    await client.close()
    await server.client.close()


async def test_start_fails_clearly_without_broker(short_tmp: os.PathLike[str]) -> None:
    """With no broker running, start() gives up within its timeout with a clear error."""
    client = BusClient("scheduler", Endpoints.ipc(short_tmp))  # type: ignore[arg-type]
    with pytest.raises(BusUnavailable, match="is the bus process running"):
        await client.start(timeout=0.5)


@pytest.mark.within(30)
async def test_a_restarted_broker_shows_as_a_new_connection(short_tmp: Path) -> None:
    """The subscriber counts its connections: one at start, one more after a broker restart."""
    endpoints = Endpoints.ipc(short_tmp)
    broker = Broker(endpoints)
    broker.start()
    try:
        async with BusClient("watcher", endpoints) as client:
            await eventually(lambda: client.subscriber_connections == 1, 10, "the first connection")
            broker.stop()
            broker = Broker(endpoints)
            broker.start()
            await eventually(lambda: client.subscriber_connections == 2, 10, "the reconnection")
    finally:
        broker.stop()


@pytest.mark.within(30)
async def test_answers_are_kept_only_while_a_repeat_can_come(
    endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once their deadlines pass, kept answers are dropped: a busy service's memory stays flat."""
    monkeypatch.setattr("bus.rpc._KEPT_PAST_DEADLINE", 0.0)

    async def answer(envelope: Envelope, request: Request) -> Reply:
        return Pong(service="server", pid=os.getpid())

    server = BusClient("server", endpoints)
    server.on_requests(answer)
    async with server, BusClient("asker", endpoints) as asker:
        for _ in range(50):
            await asker.request("server", Ping(), expect=Pong, timeout=2.0)
        assert server.kept_answers == 50
        await asyncio.sleep(2.1)  # every deadline passes: time itself is what is tested
        await asker.request("server", Ping(), expect=Pong, timeout=5.0)
        assert server.kept_answers == 1


class SettingAside(Recorder):
    """A recorder that sets aside the events it cannot read and acknowledges them, as telemetry."""

    def __init__(self, endpoints: Endpoints) -> None:
        super().__init__(endpoints)
        self.set_aside: dict[str, RefusedFrame] = {}
        self.client.on_refused(self.refuse)

    async def refuse(self, frame: RefusedFrame) -> None:
        self.set_aside[frame.head.id] = frame
        self.client.ack([frame.head])


START = 1_800_000_000.0
POISONS = {"infinite": math.inf, "1e300": 1e300, "NaN": math.nan}


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
async def test_a_poisoned_record_is_set_aside_and_the_stream_moves_on(
    endpoints: Endpoints, poison: float
) -> None:
    """A voice event with an impossible instant between two good ones: the good ones arrive,
    the poison goes to the refusal handler with its reason, and nothing is left unacknowledged."""
    recorder = SettingAside(endpoints)
    recorder.client.subscribe("gateway.")
    await recorder.client.start()
    publisher = BusClient("gateway", endpoints, retry_after=0.2)
    await publisher.start()
    publisher.record(voice(1, 0, 10, START))
    bad = publisher.record(voice(2, 0, 10, poison))  # msgspec encodes inf and NaN as they are
    publisher.record(voice(1, 10, 0, START + 60))
    await eventually(lambda: publisher.unacked == 0, 10, "every record acknowledged")
    arrived = [e.body.at for e in recorder.received if isinstance(e.body, VoiceChanged)]
    assert arrived == [START, START + 60]
    assert list(recorder.set_aside) == [bad.id]
    refused = recorder.set_aside[bad.id]
    assert "$.body.at" in refused.reason
    assert (refused.topic, refused.head.source) == ("gateway.voice_state", "gateway")
    assert recorder.client.counters.dropped >= 1
    await publisher.close()
    await recorder.client.close()


async def test_without_a_refusal_handler_the_poison_stays_unacknowledged(
    endpoints: Endpoints,
) -> None:
    """A subscriber that records nothing drops the poison (counted) and acknowledges no poison."""
    recorder = Recorder(endpoints)
    recorder.client.subscribe("gateway.")
    await recorder.client.start()
    publisher = BusClient("gateway", endpoints, retry_after=0.2)
    await publisher.start()
    publisher.record(voice(1, 0, 10, START))
    bad = publisher.record(voice(2, 0, 10, math.inf))
    good = publisher.record(voice(1, 10, 0, START + 60))
    await eventually(lambda: publisher.unacked == 1, 10, "the good records acknowledged")
    assert publisher.unacked_ids() == {bad.id}
    assert good.id in {e.id for e in recorder.received}
    await eventually(lambda: recorder.client.counters.dropped >= 1, 5, "the poison counted")
    await publisher.close()
    await recorder.client.close()


async def test_a_newer_publishers_event_is_not_set_aside(endpoints: Endpoints) -> None:
    """A recorded event of a kind this release does not know waits for a recorder that does."""
    recorder = SettingAside(endpoints)
    recorder.client.subscribe("gateway.")
    await recorder.client.start()
    frame = msgspec.msgpack.encode(
        {
            "id": "gateway-new:1", "source": "gateway", "instance": "gateway-new", "seq": 1,
            "time": START, "recorded": True, "body": {"type": "from_the_future", "at": START},
        }
    )  # fmt: skip
    context = zmq.Context()
    raw_pub = context.socket(zmq.PUB)
    raw_pub.connect(endpoints.publish)

    def counted() -> bool:
        # A PUB socket's connection is not observable: send again until counted.
        if not recorder.client.counters.dropped:
            raw_pub.send_multipart([b"gateway.from_the_future", frame])
        return recorder.client.counters.dropped >= 1

    await eventually(counted, 5, "the frame to be counted")
    assert recorder.set_aside == {}
    raw_pub.close(linger=0)
    context.term()
    await recorder.client.close()


async def test_a_request_with_an_impossible_instant_is_refused_at_once(
    endpoints: Endpoints,
) -> None:
    """The service answers bad_request on decode; its handler never sees the request."""
    server = BusClient("telemetry", endpoints)
    seen: list[Request] = []

    async def answer(envelope: Envelope, request: Request) -> Reply:
        seen.append(request)
        return DayStateReply(guild_id=1, date="2027-01-15")

    server.on_requests(answer)
    async with server, BusClient("scheduler", endpoints) as client:
        # A RemoteError, not a RequestTimeout: answered, not left to wait out its deadline.
        with pytest.raises(RemoteError, match=r"\$\.body\.at") as refused:
            await client.request(
                "telemetry", GetDayState(guild_id=1, at=math.inf), expect=DayStateReply, timeout=5
            )
        assert refused.value.code == "bad_request"
        assert seen == []


async def test_a_timeout_tells_a_heartbeating_service_slow_and_a_silent_one_down(
    endpoints: Endpoints, caplog: pytest.LogCaptureFixture
) -> None:
    """Over a real bus: a gateway whose heartbeats arrive but which does not answer is 'slow';
    with its heartbeats gone past the window it is 'not running'. Heartbeats followed for
    liveness alone never reach the requester's event handler."""
    hand = HandClock()
    gateway = BusClient("gateway", endpoints)
    never = asyncio.Event()

    async def stall(envelope: Envelope, request: Request) -> Reply:
        await never.wait()
        return Pong(service="gateway", pid=0)

    gateway.on_requests(stall)
    await gateway.start()
    scheduler = BusClient("scheduler", endpoints, liveness=Liveness(window=15.0, clock=hand))
    received: list[Envelope] = []

    async def keep(batch: Sequence[Envelope]) -> None:
        received.extend(batch)

    scheduler.subscribe("gateway.note")
    scheduler.on_events(keep)
    await scheduler.start()
    scheduler.watch("gateway")

    def beat() -> bool:
        gateway.publish(Heartbeat(service="gateway", pid=os.getpid(), started=0.0))
        return scheduler.liveness.silent_for("gateway") is not None

    await eventually(beat, 5, "the gateway's heartbeat at the scheduler")
    # One publisher's messages arrive in order: after this note, no heartbeat is in flight.
    gateway.publish(Note(key="last"))
    await eventually(lambda: bool(received), 5, "the note after the heartbeats")
    with pytest.raises(RequestTimeout, match="it is slow") as slow:
        await scheduler.request("gateway", Ping(), expect=Pong, timeout=0.3)
    assert slow.value.verdict is Verdict.SLOW
    hand.t += 16.0  # no heartbeat for longer than the window
    with pytest.raises(RequestTimeout, match="it is not running") as down:
        await scheduler.request("gateway", Ping(), expect=Pong, timeout=0.3)
    assert down.value.verdict is Verdict.DOWN
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [str(down.value)]
    assert [e.body for e in received] == [Note(key="last")]
    never.set()
    await scheduler.close()
    await gateway.close()

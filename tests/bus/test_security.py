"""Only the bot's user reaches the bus; over TCP, only holders of the right keys."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
import zmq
import zmq.auth

from bus.broker import Broker
from bus.client import BusClient
from bus.codec import encode
from bus.endpoints import (
    EndpointError,
    Endpoints,
    create_curve_keys,
    endpoints_from_env,
    ensure_private_dir,
    load_curve_keys,
)
from bus.protocol import Envelope, Note, Ping, Pong, Reply, Request
from tests.helpers import eventually


def test_runtime_dir_is_created_private(short_tmp: Path) -> None:
    """A new runtime directory is mode 0700."""
    created = ensure_private_dir(short_tmp / "run")
    assert stat.S_IMODE(created.stat().st_mode) == 0o700


def test_runtime_dir_is_tightened(short_tmp: Path) -> None:
    """An existing, too-open runtime directory of ours is tightened to 0700."""
    loose = short_tmp / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    ensure_private_dir(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_foreign_runtime_dir_is_refused(short_tmp: Path) -> None:
    """A runtime directory owned by another user is refused, not used."""
    ours = short_tmp / "ours"
    ours.mkdir(mode=0o700)
    stranger = os.getuid() + 1  # the directory is ours, so it is foreign to this uid
    with pytest.raises(EndpointError, match=f"belongs to uid {os.getuid()}"):
        ensure_private_dir(ours, owner=stranger)


def test_env_endpoints_are_ipc_in_private_dir(short_tmp: Path) -> None:
    """By default the bus lives in ipc sockets inside the (now private) runtime directory."""
    endpoints = endpoints_from_env({"SQUADTIME_RUNTIME_DIR": str(short_tmp / "r")}, role="client")
    assert endpoints.publish == f"ipc://{short_tmp / 'r' / 'bus-in.sock'}"
    assert stat.S_IMODE((short_tmp / "r").stat().st_mode) == 0o700


def test_tcp_without_keys_is_refused(short_tmp: Path) -> None:
    """A tcp:// bus without CurveZMQ keys is a configuration error, for broker and client."""
    env = {
        "SQUADTIME_RUNTIME_DIR": str(short_tmp),
        "SQUADTIME_BUS_PUBLISH": "tcp://127.0.0.1:5999",
        "SQUADTIME_BUS_SUBSCRIBE": "tcp://127.0.0.1:5998",
    }
    with pytest.raises(EndpointError, match="without CurveZMQ"):
        endpoints_from_env(env, role="client")
    with pytest.raises(EndpointError, match="without CurveZMQ"):
        BusClient("x", Endpoints("tcp://127.0.0.1:1", "tcp://127.0.0.1:2"))


def test_missing_keys_are_a_clear_error(short_tmp: Path) -> None:
    """Pointing at an empty key folder says which keys could not be loaded."""
    with pytest.raises(EndpointError, match="cannot load the bus keys"):
        load_curve_keys(short_tmp, role="client")


async def test_tcp_client_without_right_keys_receives_nothing(short_tmp: Path) -> None:
    """Over CurveZMQ TCP, the keyed client gets every event; plain and wrong-key peers get none."""
    keys = short_tmp / "keys"
    create_curve_keys(keys)
    broker_keys = load_curve_keys(keys, role="broker")
    broker = Broker(Endpoints("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", broker_keys))
    broker.start()
    client_endpoints = replace(broker.bound, curve=load_curve_keys(keys, role="client"))

    context = zmq.Context()
    plain = context.socket(zmq.SUB)
    stranger = context.socket(zmq.SUB)
    public, secret = zmq.curve_keypair()
    stranger.curve_publickey, stranger.curve_secretkey = public, secret
    stranger.curve_serverkey = broker_keys.public
    for spy in (plain, stranger):
        spy.linger = 0
        spy.subscribe(b"")
        spy.connect(broker.bound.subscribe)

    try:
        received: list[Envelope] = []
        listener = BusClient("telemetry", client_endpoints)
        listener.subscribe("gateway.")

        async def keep(batch: Sequence[Envelope]) -> None:
            received.extend(batch)

        listener.on_events(keep)
        async with listener, BusClient("gateway", client_endpoints) as talker:

            def published_enough() -> bool:
                talker.publish(Note(key="secret plans"))
                return len(received) >= 20

            await eventually(published_enough, 10, "the keyed client to receive")
        leaked = 0
        for spy in (plain, stranger):
            while spy.poll(0):
                spy.recv_multipart()
                leaked += 1
        assert leaked == 0
    finally:
        plain.close()
        stranger.close()
        context.term()
        broker.stop()


async def test_tcp_requests_need_the_right_keys(short_tmp: Path) -> None:
    """Over CurveZMQ TCP, a keyed requester is answered; a plain one never reaches the service."""
    keys = short_tmp / "keys"
    create_curve_keys(keys)
    broker = Broker(
        Endpoints("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", load_curve_keys(keys, role="broker"))
    )
    broker.start()
    client_keys = load_curve_keys(keys, role="client")
    serving = replace(
        broker.bound, curve=client_keys, request_overrides={"telemetry": "tcp://127.0.0.1:*"}
    )
    context = zmq.Context()
    plain = context.socket(zmq.DEALER)
    plain.linger = 0

    try:
        service = BusClient("telemetry", serving)

        async def answer(envelope: Envelope, request: Request) -> Reply:
            return Pong(service="telemetry", pid=3)

        service.on_requests(answer)
        async with service:
            asking = replace(serving, request_overrides={"telemetry": service.serving_at})
            plain.connect(service.serving_at)
            plain.send(
                encode(Envelope(id="x:1", source="x", instance="x", seq=1, time=0.0, body=Ping()))
            )
            async with BusClient("scheduler", asking) as keyed:
                for _ in range(3):
                    pong = await keyed.request("telemetry", Ping(), expect=Pong, timeout=5)
                    assert pong.pid == 3
        assert plain.poll(0) == 0
    finally:
        plain.close()
        context.term()
        broker.stop()

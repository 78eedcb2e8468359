"""The broker: one XSUB socket that publishers connect to, one XPUB socket that
subscribers connect to, and ZeroMQ's proxy between them.

The broker keeps no state worth saving: killed, it is restarted by supervisord,
every client's sockets reconnect by themselves and re-send their subscriptions,
and unacknowledged records are re-sent by their publishers (see ``bus.client``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import zmq
import zmq.auth.thread

from bus.endpoints import Endpoints, apply_server_curve

log = logging.getLogger(__name__)

_HIGH_WATER_MARK = 200_000
_CONTROL = "inproc://squadtime-broker-control"


class Broker:
    """Forwards every frame from publishers to the subscribers that asked for its topic."""

    def __init__(self, endpoints: Endpoints) -> None:
        endpoints.check()
        self._endpoints = endpoints
        self._context = zmq.Context()
        self._thread: threading.Thread | None = None
        self._auth: zmq.auth.thread.ThreadAuthenticator | None = None
        self._control: zmq.Socket[bytes] | None = None
        self.bound = endpoints

    def start(self) -> None:
        """Bind both sides and start forwarding in a thread."""
        curve = self._endpoints.curve
        if curve is not None:
            if curve.allowed_clients is None or not curve.allowed_clients.is_dir():
                raise ValueError("the broker needs a folder of allowed client keys for CurveZMQ")
            self._auth = zmq.auth.thread.ThreadAuthenticator(self._context)
            self._auth.start()
            self._auth.configure_curve(domain="*", location=str(curve.allowed_clients))
        frontend: zmq.Socket[bytes] = self._context.socket(zmq.XSUB)
        backend: zmq.Socket[bytes] = self._context.socket(zmq.XPUB)
        for socket in (frontend, backend):
            socket.linger = 0
            socket.sndhwm = _HIGH_WATER_MARK
            socket.rcvhwm = _HIGH_WATER_MARK
            apply_server_curve(socket, curve)
        _remove_stale_socket(self._endpoints.publish)
        _remove_stale_socket(self._endpoints.subscribe)
        frontend.bind(self._endpoints.publish)
        backend.bind(self._endpoints.subscribe)
        # "tcp://host:*" binds a free port; what was bound is what clients need.
        self.bound = Endpoints(
            publish=frontend.getsockopt_string(zmq.LAST_ENDPOINT),
            subscribe=backend.getsockopt_string(zmq.LAST_ENDPOINT),
            curve=curve,
        )
        proxy_end: zmq.Socket[bytes] = self._context.socket(zmq.PAIR)
        proxy_end.bind(_CONTROL)
        self._control = self._context.socket(zmq.PAIR)
        self._control.connect(_CONTROL)
        self._thread = threading.Thread(
            target=self._forward, args=(frontend, backend, proxy_end), name="broker", daemon=True
        )
        self._thread.start()
        log.info(
            "bus broker up: publish %s, subscribe %s",
            self._endpoints.publish,
            self._endpoints.subscribe,
        )

    @staticmethod
    def _forward(
        frontend: zmq.Socket[bytes], backend: zmq.Socket[bytes], control: zmq.Socket[bytes]
    ) -> None:
        try:
            zmq.proxy_steerable(frontend, backend, None, control)
        except zmq.ContextTerminated:
            pass
        finally:
            for socket in (frontend, backend, control):
                socket.close(linger=0)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop forwarding and release the sockets."""
        if self._control is not None:
            self._control.send(b"TERMINATE")
        if self._thread is not None:
            self._thread.join(timeout)
        if self._control is not None:
            self._control.close(linger=0)
        if self._auth is not None:
            self._auth.stop()
        self._context.term()


def _remove_stale_socket(url: str) -> None:
    """A SIGKILLed broker leaves its ipc socket files behind; binding over them is safe
    because the runtime directory is ours alone and only one broker runs."""
    if url.startswith("ipc://"):
        Path(url.removeprefix("ipc://")).unlink(missing_ok=True)

"""Receiving from a ZeroMQ socket straight from the event loop's own poll.

``zmq.asyncio`` wakes a task per message; for request/reply that costs extra
loop iterations per round trip. Here the loop calls us back when the socket's
file descriptor signals, and we drain every waiting message synchronously.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import zmq

log = logging.getLogger(__name__)


class SocketReader:
    """Hands each multipart message of ``socket`` to ``on_frames`` as it arrives.

    ZeroMQ's descriptor is edge-triggered: after any send or receive the
    socket may hold messages without a new edge, so ``poke()`` after sending
    and always drain until the socket says it is empty.
    """

    def __init__(
        self, socket: zmq.Socket[Any], on_frames: Callable[[list[bytes]], None], *, batch: int = 500
    ) -> None:
        self._socket = socket
        self._on_frames = on_frames
        self._batch = batch
        self._fd = int(socket.getsockopt(zmq.FD))
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Begin watching the socket on the running loop."""
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._fd, self._drain)
        self._loop.call_soon(self._drain)

    def poke(self) -> None:
        """Check for messages soon (call after sending on the socket)."""
        if self._loop is not None:
            self._loop.call_soon(self._drain)

    def _drain(self) -> None:
        socket = self._socket
        for _ in range(self._batch):
            if socket.closed or not int(socket.getsockopt(zmq.EVENTS)) & zmq.POLLIN:
                return
            try:
                frames = socket.recv_multipart(flags=zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                self._on_frames(frames)
            except Exception:
                log.exception("dropped a message its handler could not take")
        self.poke()  # more than one batch waiting: let the loop breathe, then go on

    def stop(self) -> None:
        """Stop watching (before closing the socket)."""
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
            self._loop = None

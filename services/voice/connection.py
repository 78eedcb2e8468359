"""The greeting's voice connection: nextcord's ``VoiceClient`` made safe for Discord's DAVE.

Three gaps in nextcord 3.2 (its ``voice_client.py`` ``E2EEState`` and ``gateway.py``
``DiscordVoiceWebSocket``), closed here without touching the installed package:

- ``connect`` returns once the transport key is known, before the DAVE handshake executes its
  first transition (op 22); frames played before that go out without end-to-end encryption
  and every DAVE listener drops them (libdave's Decryptor passes no plain frame). ``encrypting``
  is set once the connection can encrypt (or the call is transport-only, DAVE version 0), and
  ``send_audio_packet`` withholds frames while it cannot, as libdave's own Encryptor does.
- op 24 (prepare epoch) is declared but never dispatched (nextcord issue 1294): after a
  "sole member reset" (the DAVE protocol description) the client would keep its old group and
  never send the new key package Discord waits for. The socket hook runs nextcord's own
  ``prepare_epoch`` for it.
- close codes other than 1000/4014/4015 end ``poll_voice_ws`` with an exception nobody awaits;
  here the code is kept (``close_code``) and ``closed`` is set, so the greeter can say why.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nextcord
from nextcord.gateway import DiscordVoiceWebSocket

log = logging.getLogger(__name__)

DAVE_REQUIRED = 4017
RATE_LIMITED = 4021
CALL_TERMINATED = 4022
CLOSE_REASONS = {
    DAVE_REQUIRED: "E2EE/DAVE protocol required",
    RATE_LIMITED: "disconnected, rate limited",
    CALL_TERMINATED: "disconnected, call terminated",
}
"""Voice close codes that no reconnect can fix (discord-api-docs, voice close event codes)."""

PREPARE_TRANSITION = 21
EXECUTE_TRANSITION = 22
PREPARE_EPOCH = 24
SESSION_DESCRIPTION = 4


class GreetingVoiceClient(nextcord.VoiceClient):
    """A voice connection that never sends a plain frame into a DAVE call."""

    def __init__(self, client: nextcord.Client, channel: nextcord.abc.Connectable) -> None:
        super().__init__(client, channel)
        self.encrypting = asyncio.Event()
        """Set when the next frame would leave end-to-end encrypted (or the call has no DAVE)."""
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.withheld_frames = 0
        """Frames not sent because the DAVE keys were not in place."""
        self._transport_only = False
        self._versions: dict[int, int] = {}  # transition id -> protocol version (op 21)

    # ------------------------------------------------------------ the socket

    async def connect_websocket(self) -> None:
        """nextcord's connect, with a hook that sees every JSON frame after nextcord did."""
        self.ws = await DiscordVoiceWebSocket.from_client(self, hook=self._seen)
        self._connected.clear()
        while self.ws.secret_key is None:
            await self.ws.poll_event()
        self._connected.set()

    async def _seen(self, ws: DiscordVoiceWebSocket, message: dict[str, Any]) -> None:
        op, data = message.get("op"), message.get("d") or {}
        state = self.e2ee_state
        if op == SESSION_DESCRIPTION:
            self._transport_only = state is None or not data.get("dave_protocol_version")
        elif op == PREPARE_TRANSITION:
            self._versions[int(data["transition_id"])] = int(data["protocol_version"])
        elif op == EXECUTE_TRANSITION:
            version = self._versions.pop(int(data["transition_id"]), None)
            if version == 0 and int(data["transition_id"]) != 0:
                self._transport_only = True  # a downgrade: the call has no E2EE any more
        elif op == PREPARE_EPOCH and state is not None:
            log.info("the DAVE group is re-created: sending a new key package")
            await state.prepare_epoch(int(data["epoch"]), int(data["protocol_version"]))
        if self._can_send():
            self.encrypting.set()

    def _can_send(self) -> bool:
        state = self.e2ee_state
        return self._transport_only or (state is not None and state.can_encrypt())

    async def wait_encrypting(self, timeout: float) -> bool:
        """Wait until frames would leave end-to-end encrypted; False after ``timeout`` s."""
        try:
            async with asyncio.timeout(timeout):
                await self.encrypting.wait()
        except TimeoutError:
            return False
        return True

    # ------------------------------------------------------------ audio

    def send_audio_packet(self, data: bytes, *, encode: bool = True) -> None:
        """Send a frame only when it can be end-to-end encrypted (called by the player thread)."""
        if not self._can_send():
            self.withheld_frames += 1
            self.checked_add("timestamp", nextcord.opus.Encoder.SAMPLES_PER_FRAME, 4294967295)
            return
        super().send_audio_packet(data, encode=encode)

    # ------------------------------------------------------------ closing

    async def poll_voice_ws(self, reconnect: bool) -> None:
        try:
            await super().poll_voice_ws(reconnect)
        except nextcord.ConnectionClosed as closed:
            self.close_code = closed.code
        finally:
            self.closed.set()

"""The members of a DAVE call as the voice gateway reaches them.

A ``Link`` is how the gateway talks to one member: a nextcord voice connection (the opcodes
go over its WebSocket, ``emulator.voice.voice_gateway``) or a ``Listener``, a human simulated in
this process with a ``dave.Session`` of its own (libdave, through dave.py) that processes the same
messages a Discord client would and keeps a ``dave.Decryptor`` for each sender it hears.
"""

from __future__ import annotations

import logging
from typing import Protocol

import dave

log = logging.getLogger(__name__)

DAVE_VERSION = 1
SILENCE_FRAME = b"\xf8\xff\xfe"
"""Opus silence, which DAVE receivers let through unencrypted (DAVE "Silence Packets")."""
MAGIC_MARKER = b"\xfa\xfa"
"""The last two bytes of every DAVE-encrypted frame (DAVE "Protocol Frame Check")."""


class Link(Protocol):
    """What the gateway can send one member (the DAVE opcodes, as calls)."""

    user_id: int

    @property
    def simulated(self) -> bool: ...

    async def clients_connect(self, user_ids: list[int]) -> None:
        """Op 11: these users are in the call."""

    async def client_disconnect(self, user_id: int) -> None:
        """Op 13: this user left the call."""

    async def external_sender(self, package: bytes) -> None:
        """Op 25: the gateway's credential and signature key."""

    async def proposals(self, body: bytes, recognized: set[int]) -> bytes | None:
        """Op 27; a simulated member answers at once with its commit and welcome (op 28)."""

    async def announce_commit(self, transition_id: int, commit: bytes) -> bool | None:
        """Op 29; a simulated member answers whether it could process the commit."""

    async def welcome(
        self, transition_id: int, welcome: bytes, recognized: set[int]
    ) -> bool | None:
        """Op 30; a simulated member answers whether it could process the welcome."""

    async def execute_transition(self, transition_id: int) -> None:
        """Op 22: switch to the new keys now."""

    async def prepare_epoch(self, epoch: int) -> None:
        """Op 24 (epoch 1: the group is re-created; send a new key package)."""

    async def prepare_transition(self, transition_id: int, version: int) -> None:
        """Op 21 (transition 0: execute at once)."""


def is_dave_frame(frame: bytes) -> bool:
    """Whether an Opus payload carries DAVE's supplemental data (it ends with the marker)."""
    return len(frame) > len(MAGIC_MARKER) and frame.endswith(MAGIC_MARKER)


class Listener:
    """A human in the call, simulated: a full DAVE group member that hears the bot."""

    simulated = True

    def __init__(self, user_id: int, channel_id: int) -> None:
        self.user_id = user_id
        self.channel_id = channel_id
        self.failures: list[str] = []
        self._session = dave.Session(self._failed)
        self._decryptors: dict[int, dave.Decryptor] = {}
        self._session.init(
            DAVE_VERSION, channel_id, str(user_id), dave.SignatureKeyPair.generate(DAVE_VERSION)
        )

    def _failed(self, source: str, reason: str) -> None:
        log.debug("simulated member %d: MLS failure in %s: %s", self.user_id, source, reason)
        self.failures.append(f"{source}: {reason}")

    @property
    def established(self) -> bool:
        return self._session.has_established_group()

    def key_package(self) -> bytes:
        """A fresh key package (libdave makes a new one at every call)."""
        return self._session.get_marshalled_key_package()

    def hear_from(self, senders: set[int]) -> None:
        """Take the current epoch's key ratchet of each sender into its decryptor; earlier
        ratchets stay usable for frames still in flight (libdave keeps them ten seconds)."""
        for sender in senders:
            ratchet = self._session.get_key_ratchet(str(sender))
            if ratchet is not None:
                self._decryptors.setdefault(sender, dave.Decryptor()).transition_to_key_ratchet(
                    ratchet
                )

    def decrypt(self, sender: int, frame: bytes) -> bytes | None:
        """The Opus frame inside a DAVE frame from ``sender``, or None if it does not open."""
        decryptor = self._decryptors.get(sender)
        if decryptor is None:
            return None
        return decryptor.decrypt(dave.MediaType.audio, frame)

    # ------------------------------------------------------- as a Link

    async def clients_connect(self, user_ids: list[int]) -> None:
        pass  # the gateway passes who is in the call with each message that needs it

    async def client_disconnect(self, user_id: int) -> None:
        self._decryptors.pop(user_id, None)

    async def external_sender(self, package: bytes) -> None:
        self._session.set_external_sender(package)

    async def proposals(self, body: bytes, recognized: set[int]) -> bytes | None:
        return self._session.process_proposals(body, {str(u) for u in recognized})

    async def announce_commit(self, transition_id: int, commit: bytes) -> bool | None:
        result = self._session.process_commit(commit)
        return not isinstance(result, dave.RejectType)

    async def welcome(
        self, transition_id: int, welcome: bytes, recognized: set[int]
    ) -> bool | None:
        result = self._session.process_welcome(welcome, {str(u) for u in recognized})
        return result is not None

    async def execute_transition(self, transition_id: int) -> None:
        pass  # a listener does not send: its decryptors already hold the new ratchets

    async def prepare_epoch(self, epoch: int) -> None:
        if epoch == 1:
            self._session.init(
                DAVE_VERSION,
                self.channel_id,
                str(self.user_id),
                dave.SignatureKeyPair.generate(DAVE_VERSION),
            )

    async def prepare_transition(self, transition_id: int, version: int) -> None:
        pass

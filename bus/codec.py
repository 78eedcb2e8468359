"""Frames on the wire: ``[topic, msgpack(Envelope)]``.

One encoder and one typed decoder, built once: decoding validates the whole
envelope, so a frame that decodes is a well-typed message.

A frame can be refused for its message alone (an instant out of range, a wrong
field type) while its envelope is sound. Its ``Head`` is then read on its own,
so the receiver can still tell who sent it: a recorded event is acknowledged
and set aside rather than re-sent for ever, a request is answered with an error
rather than left to time out.
"""

from __future__ import annotations

import msgspec

from bus.protocol import Envelope, message_types, tag_of

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Envelope)


class _Tagged(msgspec.Struct, frozen=True):
    type: str = ""


class Head(msgspec.Struct, frozen=True, kw_only=True):
    """An envelope's fields without its message; ``tag`` is the message's ``type``."""

    id: str
    source: str
    instance: str
    seq: int
    recorded: bool = False
    body: _Tagged = _Tagged()

    @property
    def tag(self) -> str:
        """The message's wire tag, as the sender wrote it."""
        return self.body.type


# Fields not declared above (the message's own) are skipped unread: whatever they hold,
# the head of a sound envelope decodes.
_head_decoder = msgspec.msgpack.Decoder(Head)
_KNOWN_TAGS = frozenset(tag_of(cls) for cls in message_types())


class FrameError(Exception):
    """A frame that is not a valid envelope: garbage, an unknown tag, a wrong type.

    ``head`` is set when the envelope itself is sound and its message, of a kind this
    release knows, was refused: the sender can be answered or acknowledged.
    """

    def __init__(self, reason: str, head: Head | None = None) -> None:
        super().__init__(reason)
        self.head = head


def encode(envelope: Envelope) -> bytes:
    """The wire form of an envelope."""
    return _encoder.encode(envelope)


def decode(payload: bytes) -> Envelope:
    """The envelope in ``payload``; raises FrameError for anything else."""
    try:
        return _decoder.decode(payload)
    except msgspec.DecodeError as error:  # ValidationError is a DecodeError
        raise FrameError(str(error), _head_of(payload)) from error


def _head_of(payload: bytes) -> Head | None:
    try:
        head = _head_decoder.decode(payload)
    except msgspec.DecodeError:
        return None
    # A tag this release does not know is a newer sender's message, not a bad one: it must
    # stay unacknowledged until a recorder that reads it comes up.
    return head if head.tag in _KNOWN_TAGS else None

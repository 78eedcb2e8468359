"""Frames on the wire: ``[topic, msgpack(Envelope)]``.

One encoder and one typed decoder, built once: decoding validates the whole
envelope, so a frame that decodes is a well-typed message.
"""

from __future__ import annotations

import msgspec

from bus.protocol import Envelope

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Envelope)


class FrameError(Exception):
    """A frame that is not a valid envelope: garbage, an unknown tag, a wrong type."""


def encode(envelope: Envelope) -> bytes:
    """The wire form of an envelope."""
    return _encoder.encode(envelope)


def decode(payload: bytes) -> Envelope:
    """The envelope in ``payload``; raises FrameError for anything else."""
    try:
        return _decoder.decode(payload)
    except msgspec.DecodeError as error:  # ValidationError is a DecodeError
        raise FrameError(str(error)) from error

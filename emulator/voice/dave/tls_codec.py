"""MLS's TLS-style wire encoding (RFC 9420 section 2.1): fixed-size big-endian integers and
variable-size vectors whose length is a QUIC-style variable-length integer (section 2.1.2)."""

from __future__ import annotations

import struct


class Malformed(ValueError):
    """Bytes that do not decode as the MLS structure they should hold."""


def varint(n: int) -> bytes:
    """RFC 9420 section 2.1.2: 1, 2 or 4 bytes, the top two bits saying which."""
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return struct.pack(">H", 0x4000 | n)
    if n < 1 << 30:
        return struct.pack(">I", 0x8000_0000 | n)
    raise ValueError(f"{n} is too long for an MLS vector")


def opaque(data: bytes) -> bytes:
    """``opaque data<V>``: the length, then the bytes."""
    return varint(len(data)) + data


def u8(n: int) -> bytes:
    return struct.pack(">B", n)


def u16(n: int) -> bytes:
    return struct.pack(">H", n)


def u32(n: int) -> bytes:
    return struct.pack(">I", n)


def u64(n: int) -> bytes:
    return struct.pack(">Q", n)


class Reader:
    """Reads MLS structures front to back; every read past the end raises Malformed."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    @property
    def done(self) -> bool:
        return self.offset == len(self.data)

    def take(self, size: int) -> bytes:
        end = self.offset + size
        if size < 0 or end > len(self.data):
            raise Malformed("truncated MLS message")
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def varint(self) -> int:
        first = self.uint(1)
        prefix, value = first >> 6, first & 0x3F
        if prefix == 3:
            raise Malformed("invalid MLS variable-length integer")
        for _ in range((1, 2, 4)[prefix] - 1):
            value = value << 8 | self.uint(1)
        if prefix and value < 1 << (6 if prefix == 1 else 14):
            raise Malformed("MLS variable-length integer not in its shortest form")
        return value

    def opaque(self) -> bytes:
        return self.take(self.varint())

    def vector(self) -> Reader:
        """A ``<V>`` vector of structures, as a reader over its body alone."""
        return Reader(self.opaque())

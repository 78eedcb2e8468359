"""Pictures for the emulator's CDN: members' default avatars and guild icons, drawn as PNGs.

No picture library: a PNG is a signature and three chunks (IHDR, IDAT, IEND), each with its
length and CRC-32, and IDAT holds zlib-compressed rows, each led by a filter byte (0, none)
— RFC 2083 (PNG 1.2), sections 3.2, 4.1 and 6. The pictures are simple shapes on a colour,
enough for a dashboard to show a face for each member and a badge for each server.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

type Rgb = tuple[int, int, int]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_AVATAR_COLOURS: tuple[Rgb, ...] = (
    (0x58, 0x65, 0xF2),  # blurple
    (0x75, 0x7E, 0x8A),  # grey
    (0x3B, 0xA5, 0x5C),  # green
    (0xFA, 0xA6, 0x1A),  # yellow
    (0xED, 0x42, 0x45),  # red
    (0xEB, 0x45, 0x9F),  # fuchsia
)
"""The backgrounds of Discord's six default avatars, in index order."""
WHITE: Rgb = (255, 255, 255)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(size: int, pixel: Callable[[float, float], Rgb]) -> bytes:
    """A square RGB PNG, ``size`` pixels a side; ``pixel`` gives the colour at (x, y), each
    from 0 to 1."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type 0: the row as is
        for x in range(size):
            rows.extend(pixel((x + 0.5) / size, (y + 0.5) / size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows)))
        + _chunk(b"IEND", b"")
    )


def default_avatar(index: int, size: int) -> bytes:
    """Default avatar ``index`` (0-5): a white head and shoulders on its colour."""
    background = DEFAULT_AVATAR_COLOURS[index % len(DEFAULT_AVATAR_COLOURS)]

    def pixel(x: float, y: float) -> Rgb:
        head = (x - 0.5) ** 2 + (y - 0.4) ** 2 < 0.17**2
        shoulders = y > 0.62 and ((x - 0.5) / 0.3) ** 2 + ((y - 0.9) / 0.26) ** 2 < 1
        return WHITE if head or shoulders else background

    return png(size, pixel)


def guild_icon(seed: int, size: int) -> bytes:
    """A guild's icon: a light diamond on a colour chosen by ``seed`` (the guild's id)."""
    background = DEFAULT_AVATAR_COLOURS[(seed >> 22) % len(DEFAULT_AVATAR_COLOURS)]
    light = tuple((c + 255) // 2 for c in background)

    def pixel(x: float, y: float) -> Rgb:
        inside = abs(x - 0.5) + abs(y - 0.5) < 0.3
        return (light[0], light[1], light[2]) if inside else background

    return png(size, pixel)

"""Checks that bytes are a PNG image of a given pixel size."""

from __future__ import annotations

import struct
from io import BytesIO

from matplotlib.image import imread

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header, after checking the signature and IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG signature"
    assert data[12:16] == b"IHDR", "first chunk is not IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_png(data: bytes, size: tuple[int, int]) -> None:
    """The bytes are a PNG of exactly ``size`` that matplotlib can read back."""
    assert png_size(data) == size
    pixels = imread(BytesIO(data), format="png")
    assert pixels.shape[:2] == (size[1], size[0])

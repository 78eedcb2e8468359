"""A multipart body gets the same answer however its bytes are split on the way in: Discord's
400 50035 when it is malformed, 200 when it is not, never a 5xx."""

import asyncio
import json
from collections.abc import Iterator

import pytest

from emulator import Emulator
from emulator.engine.config import EmulatorConfig
from emulator.rules.ratelimit import RateLimitConfig, RouteLimit
from tests.emulator.support import STEP, api, small_community

BOUNDARY = "squadtime-chunks"
DRAFTS = 64
"""Drafts of the message in each body, about 21 KiB: more than two 8 KiB reads of a streaming
reader, so that a split can fall anywhere in a read with a whole read still to come."""


def part(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def draft(n: int) -> str:
    return f"{n}: " + "who plays tonight? " * 15


def form(*, close: bool = True) -> bytes:
    """Many ``content`` fields, as a fuzzer sends them: the last one is the message's text."""
    body = b"".join(part("content", draft(n)) for n in range(DRAFTS))
    return body + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


def near_the_end(body: bytes, old: bytes, new: bytes) -> bytes:
    """``body`` with the last ``old`` made ``new``: the damage comes after many full reads."""
    at = body.rindex(old)
    return body[:at] + new + body[at + len(old) :]


WELL_FORMED = form()
MALFORMED = {
    "no close delimiter": form(close=False),
    "a delimiter line with more on it": near_the_end(
        WELL_FORMED, f"--{BOUNDARY}\r\n".encode(), f"--{BOUNDARY}junk\r\n".encode()
    ),
    "a header line without a colon": near_the_end(
        WELL_FORMED, b"Content-Disposition: form-data;", b"Content-Disposition form-data;"
    ),
    "a part whose headers never end": near_the_end(WELL_FORMED, b'"\r\n\r\n', b'"\r\n'),
}


def chunkings(body: bytes) -> Iterator[list[bytes]]:
    """The body whole, a byte at a time, and in two pieces cut at every position of a window
    in its middle and on either side of every delimiter."""
    yield [body]
    yield [body[i : i + 1] for i in range(len(body))]
    middle = len(body) // 2
    cuts = set(range(middle - 128, middle + 128))
    delimiter = f"\r\n--{BOUNDARY}".encode()
    at = body.find(delimiter)
    while at >= 0:
        cuts.update((at, at + len(delimiter)))
        at = body.find(delimiter, at + 1)
    for cut in sorted(cuts):
        yield [body[:cut], body[cut:]]


def described(pieces: list[bytes]) -> str:
    if len(pieces) > 2:
        return "a byte at a time"
    return "whole" if len(pieces) == 1 else f"cut at {len(pieces[0])}"


async def patched(emu: Emulator, path: str, pieces: list[bytes]) -> tuple[int, str]:
    """PATCH ``path`` with the multipart body sent as ``pieces``: the status and the body."""
    length = sum(len(p) for p in pieces)
    head = (
        f"PATCH /api/v10{path} HTTP/1.1\r\nHost: {emu.host}\r\n"
        f"Authorization: Bot {emu.token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    async with asyncio.timeout(STEP):
        reader, writer = await asyncio.open_connection(emu.host, emu.port)
        try:
            writer.write(head.encode())
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                # Let the emulator read this piece before the next is sent, so that its reads
                # end where the pieces do. Nothing depends on it: any split must get one answer.
                for _ in range(4):
                    await asyncio.sleep(0)
            answer = await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, content = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), content.decode(errors="replace")


async def answers(emu: Emulator, path: str, body: bytes) -> dict[tuple[int, str], str]:
    """Each distinct answer to ``body`` sent in every chunking, with the first split that got it."""
    seen: dict[tuple[int, str], str] = {}
    for pieces in chunkings(body):
        status, content = await patched(emu, path, pieces)
        if status == 200:
            content = json.loads(content)["content"]  # the rest holds the edit's time
        seen.setdefault((status, content), described(pieces))
    return seen


@pytest.mark.within(120)
async def test_a_multipart_body_gets_one_answer_however_it_is_split() -> None:
    """Malformed: 400 50035 "Invalid Form Body" for every split; well-formed: 200, the edit."""
    unlimited = RouteLimit(1_000_000, 1.0)
    limits = RateLimitConfig(routes={}, default=unlimited, global_per_second=1_000_000)
    async with Emulator(EmulatorConfig(limits=limits)) as emu:
        town = small_community(emu)
        async with api(emu) as rest:
            posted = await rest.post_message(town.text.id, {"content": "who plays?"})
        assert posted.status == 200, posted.body
        path = f"/channels/{town.text.id}/messages/{posted.body['id']}"
        refused = json.dumps({"code": 50035, "message": "Invalid Form Body"})
        for name, body in MALFORMED.items():
            got = await answers(emu, path, body)
            assert list(got) == [(400, refused)], f"{name}: {got}"
        assert emu.driver.message(int(posted.body["id"]), town.alice).content == "who plays?"
        got = await answers(emu, path, WELL_FORMED)
        assert list(got) == [(200, draft(DRAFTS - 1))], got
        assert emu.driver.message(int(posted.body["id"]), town.alice).content == draft(DRAFTS - 1)

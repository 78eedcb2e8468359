"""``dead-letters``: the events telemetry set aside because they cannot be stored.

Telemetry owns the database, so the admin asks it (``GetDeadLetters`` on the bus); with
``--host`` the same command runs on the Pi over SSH.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from admin.ask import ask_telemetry
from admin.errors import Exit
from bus.protocol import DeadLettersReply, GetDeadLetters

TIMEOUT = 5.0


async def request_dead_letters(env: Mapping[str, str], limit: int) -> DeadLettersReply:
    """Ask telemetry for its latest ``limit`` dead letters."""
    return await ask_telemetry(
        env, GetDeadLetters(limit=limit), expect=DeadLettersReply, timeout=TIMEOUT
    )


def describe(reply: DeadLettersReply) -> str:
    """The dead letters as lines for a person: when, which event, why, what it held."""
    if not reply.letters:
        return "no dead letters: telemetry stored every event it received"
    shown = len(reply.letters)
    kept = f"{reply.total} dead letter{'' if reply.total == 1 else 's'} kept"
    lines = [f"{kept}; the latest {shown}, newest first:"]
    for letter in reply.letters:
        when = datetime.fromtimestamp(letter.received, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        lines += [
            "",
            f"{when}  {letter.topic}  {letter.id}",
            f"  why:  {letter.reason}",
            f"  held: {letter.payload}",
        ]
    return "\n".join(lines)


def dead_letters(env: Mapping[str, str], limit: int, *, as_json: bool) -> Exit:
    """Print telemetry's latest dead letters."""
    reply = asyncio.run(request_dead_letters(env, limit))
    if as_json:
        print(json.dumps(msgspec.to_builtins(reply)))
    else:
        print(describe(reply))
    return Exit.OK

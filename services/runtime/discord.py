"""The bot's Discord sessions, as the gateway and the voice service both hold one.

Only these two processes import it (and with it nextcord): the others never talk to Discord.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import nextcord
from nextcord.http import Route

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 41.25  # seconds: what Discord's HELLO (and the emulator's) asks for
BEHIND = "Can't keep up, shard ID %s websocket is %.1fs behind."  # nextcord's own text


class MismeasuredLag(logging.Filter):
    """Drops nextcord's "Can't keep up ... 41.3s behind" when the figure is a mismeasure.

    nextcord's keep-alive thread stamps a heartbeat as sent only after the event loop has
    sent it *and* the thread runs again. When the answer is read first (a Discord on the
    same host answers in microseconds; the voice process's loop keeps the interpreter
    busy), the lag is measured from the previous heartbeat, one whole interval back. A
    figure within a second of the interval is that; any other lag past 10 s is real and
    stays a warning (and a silent Discord is caught by nextcord's own timeout).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != BEHIND or not isinstance(record.args, tuple) or len(record.args) != 2:
            return True
        lag = record.args[1]
        return not (isinstance(lag, float) and abs(lag - HEARTBEAT_INTERVAL) < 1.0)


_MISMEASURED_LAG = MismeasuredLag()


async def hold_session(
    client: nextcord.Client,
    token: str,
    api_base: str,
    ready: asyncio.Event,
    *,
    name: str,
    logged_in: Callable[[], None] | None = None,
    prepare: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Log ``client`` in to the Discord at ``api_base`` and hold its gateway session (with
    nextcord's reconnects) until it closes; ``ready`` is set once Discord's READY arrived.

    Raises what nextcord raises for refused credentials (``LoginFailure``,
    ``PrivilegedIntentsRequired``): the caller decides what that means for its process.
    ``logged_in`` runs once the REST login succeeded, before the gateway connects, then
    ``prepare`` (to ask Discord how to connect, e.g. ``GET /gateway/bot``).
    """
    logging.getLogger("nextcord.gateway").addFilter(_MISMEASURED_LAG)  # once: same instance
    # nextcord reads its REST base from a class attribute: the emulator is another Discord.
    previous, Route.BASE = Route.BASE, api_base
    try:
        await client.login(token)
        if logged_in is not None:
            logged_in()
        if prepare is not None:
            await prepare()
        connected = asyncio.create_task(client.connect(reconnect=True), name=f"{name}.session")
        became_ready = asyncio.create_task(client.wait_until_ready(), name=f"{name}.ready")
        await asyncio.wait({connected, became_ready}, return_when=asyncio.FIRST_COMPLETED)
        if became_ready.done():
            ready.set()
            log.info("%s connected to Discord as %s", name, client.user)
        else:
            became_ready.cancel()
        await connected
    finally:
        Route.BASE = previous


async def close_session(client: nextcord.Client) -> None:
    """Close ``client``, and its HTTP session whatever happens on the way: nextcord closes
    the session last, after the websocket, and not at all when that close fails (Discord
    already gone) or when it marked itself closed before; an aiohttp session would be left
    open, for the garbage collector to complain about."""
    try:
        if not client.is_closed():
            await client.close()
    finally:
        await client.http.close()

"""Asking telemetry over the bus from the admin CLI, with the admin's own words for failures.

The commands that need an answer from the running bot (``backup``, ``dead-letters``) ask
the same way: the bus from the fleet's settings, one request with a deadline, and each
way it can fail turned into an ``AdminError`` with the exit status the CLI promises
(3 when the fleet or the bus cannot be reached).
"""

from __future__ import annotations

from collections.abc import Mapping

from admin.errors import AdminError, Exit
from bus.client import BusClient
from bus.endpoints import EndpointError, endpoints_from_env
from bus.errors import BusError, RemoteError, RequestTimeout
from bus.protocol import ReplyMessage, Request


async def ask_telemetry[R: ReplyMessage](
    env: Mapping[str, str],
    request: Request,
    *,
    expect: type[R],
    timeout: float,
    attempts: int = 3,
    refused: str = "telemetry refused",
) -> R:
    """Telemetry's answer to ``request``; ``refused`` begins the message of a refusal."""
    try:
        endpoints = endpoints_from_env(env, role="client")
    except EndpointError as error:
        raise AdminError(str(error), Exit.USAGE) from None
    try:
        async with BusClient("admin", endpoints) as client:
            return await client.request(
                "telemetry", request, expect=expect, timeout=timeout, attempts=attempts
            )
    except RequestTimeout:
        raise AdminError(
            "telemetry did not answer: is the bot running? (squadtime-admin status)",
            Exit.UNREACHABLE,
        ) from None
    except RemoteError as error:
        raise AdminError(f"{refused}: {error}") from None
    except BusError as error:
        raise AdminError(f"the bus is not reachable: {error}", Exit.UNREACHABLE) from None

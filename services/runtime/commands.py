"""Offering a service's slash commands to the gateway, whenever the gateway is up.

An owning service (scheduler, telemetry) describes its commands and hands them to
``offer_commands`` as a background task at start. The gateway may start later than
the owner, or be restarting: the offer is repeated with a capped back-off until the
gateway accepts it. The gateway keeps the merged registry on disk, so one accepted
offer per owner start is enough.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bus.client import BusClient
from bus.errors import BusError, ErrorCode, RemoteError, log_level
from bus.protocol import CommandSpec, Done, RegisterCommands

log = logging.getLogger(__name__)

FIRST_DELAY = 0.5
MAX_DELAY = 30.0


async def offer_commands(
    bus: BusClient,
    owner: str,
    commands: Sequence[CommandSpec],
    *,
    timeout: float = 5.0,
    first_delay: float = FIRST_DELAY,
) -> bool:
    """Register ``owner``'s commands with the gateway; True once accepted, False if refused.

    A refusal (a malformed spec) is final and logged; a gateway that does not answer
    or is not ready yet is asked again, waiting longer each time (up to 30 s).
    """
    request = RegisterCommands(owner=owner, commands=list(commands))
    delay = first_delay
    while True:
        try:
            await bus.request("gateway", request, expect=Done, timeout=timeout, attempts=1)
        except RemoteError as error:
            if error.code != ErrorCode.NOT_READY:
                log.error("the gateway refused %s's commands: %s", owner, error)  # noqa: TRY400
                return False
            log.info("the gateway is still logging in; offering commands again in %.1f s", delay)
        except BusError as error:
            log.log(
                log_level(error, logging.INFO),
                "%s; offering commands again in %.1f s",
                error,
                delay,
            )
        else:
            log.info("%d slash commands registered for %s", len(request.commands), owner)
            return True
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_DELAY)

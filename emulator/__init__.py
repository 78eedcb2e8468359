"""A local Discord: REST v10 and the gateway for real nextcord clients, plus a driver for tests.

    async with Emulator() as emu:
        nextcord.http.Route.BASE = emu.api_url
        guild = emu.driver.add_guild("Squad")
        general = emu.driver.add_text_channel(guild, "general")
        alice = emu.driver.add_member(guild, "alice")
        ...  # start a nextcord client with emu.token, then act as alice:
        outcome = await emu.driver.slash(alice, general, "timezone", {"zone": "Europe/Paris"})

``emu.requests`` logs every REST exchange, ``emu.ratelimits`` tunes and forces 429s,
``emu.gateway`` forces RESUME / INVALID_SESSION / outages, and ``emulator.simulator.community``
plays a seeded community on an accelerated clock.
"""

from emulator.engine.config import EmulatorConfig
from emulator.rules.limits import Rules
from emulator.rules.ratelimit import RateLimitConfig, RouteLimit
from emulator.server import Emulator
from emulator.simulator.driver import (
    INTERACTION_FAILED,
    Driver,
    InteractionFailed,
    Outcome,
    Refused,
)
from emulator.simulator.seen import SeenMessage

__all__ = [
    "INTERACTION_FAILED",
    "Driver",
    "Emulator",
    "EmulatorConfig",
    "InteractionFailed",
    "Outcome",
    "RateLimitConfig",
    "Refused",
    "RouteLimit",
    "Rules",
    "SeenMessage",
]

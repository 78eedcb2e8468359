"""Set Voice Channel Status: ``PUT /channels/{channel_id}/voice-status``.

The rules are :mod:`emulator.rules.voice_status_rules`: the body is checked first (50035), then the
channel's type (50024) and the bot's permissions there (50001, 50013); Discord answers 204.
"""

from aiohttp import web

from emulator.rest.context import RouteTable, decode, no_content, services, snowflake
from emulator.rules.voice_status_rules import StatusBody, check_status, require_may_set


async def set_voice_status(request: web.Request) -> web.Response:
    svc = services(request)
    world = svc.core.world
    channel = world.channel(snowflake(request, "channel_id"))
    status = check_status(decode(request, StatusBody))
    require_may_set(world, channel, svc.core.bot_id)
    svc.actions.set_voice_status(channel, status)
    return no_content()


def routes() -> RouteTable:
    return [("PUT", "/channels/{channel_id}/voice-status", set_voice_status)]

"""Users and their DMs, the gateway address, channels, guild members and the attachment CDN."""

import msgspec
from aiohttp import web

from emulator.rest.context import (
    RouteTable,
    decode,
    json_response,
    parse_snowflake,
    services,
    snowflake,
)
from emulator.rules import errors, payloads


class CreateDMBody(msgspec.Struct, kw_only=True):
    """Create DM (User resource): ``recipient_id``, "the recipient to open a DM channel with"."""

    recipient_id: int | str | None = None


async def get_user(request: web.Request) -> web.Response:
    core = services(request).core
    return json_response(payloads.user(core.world.user(snowflake(request, "user_id"))))


async def create_dm(request: web.Request) -> web.Response:
    """The DM channel with ``recipient_id`` (the existing one if any). Without a recipient,
    Discord's 50035 ``CHANNEL_RECIPIENT_REQUIRED`` (discord/discord-api-docs#5868); an id that
    is no user, 400 50033 Invalid Recipient(s)."""
    svc = services(request)
    wanted = decode(request, CreateDMBody).recipient_id
    if wanted is None:
        raise errors.invalid_form(
            (), "CHANNEL_RECIPIENT_REQUIRED", "At least one channel recipient is required."
        )
    channel = svc.actions.open_dm(parse_snowflake("recipient_id", str(wanted)))
    return json_response(payloads.dm_channel(svc.core.world, channel))


async def get_gateway(request: web.Request) -> web.Response:
    return json_response({"url": services(request).core.gateway.url})


async def get_gateway_bot(request: web.Request) -> web.Response:
    """Gateway > Get Gateway Bot: the recommended shard count (it "changes as the bot
    joins/leaves guilds") and the Session Start Limit Object, from the emulator's knobs."""
    core = services(request).core
    total = core.config.identify_daily_limit
    sharding = core.config.sharding
    guilds = sum(1 for g in core.world.guilds.values() if core.bot_id in g.members)
    return json_response(
        {
            "url": core.gateway.url,
            "shards": sharding.recommended_shards(guilds),
            "session_start_limit": {
                "total": total,
                "remaining": max(total - core.gateway.identify_count, 0),
                "reset_after": sharding.reset_after_ms,
                "max_concurrency": sharding.max_concurrency,
            },
        }
    )


async def get_channel(request: web.Request) -> web.Response:
    core = services(request).core
    channel = core.world.any_channel(snowflake(request, "channel_id"))
    return json_response(payloads.any_channel(core.world, channel))


async def get_member(request: web.Request) -> web.Response:
    core = services(request).core
    guild_id = snowflake(request, "guild_id")
    member = core.world.member(guild_id, snowflake(request, "user_id"))
    return json_response(payloads.member(core.world, member))


async def attachment(request: web.Request) -> web.Response:
    """The CDN: an uploaded file's bytes (a plain 404 for anything else, as a CDN answers)."""
    core = services(request).core
    wanted, channel_id = (request.match_info[k] for k in ("attachment_id", "channel_id"))
    if all(v.isascii() and v.isdigit() and len(v) <= 20 for v in (wanted, channel_id)):
        for message in core.world.channel_messages(int(channel_id)):
            for file in message.attachments:
                if file.id == int(wanted):
                    return web.Response(body=file.data, content_type=file.content_type)
    raise web.HTTPNotFound()


def routes() -> RouteTable:
    return [
        ("GET", "/users/{user_id}", get_user),
        ("POST", "/users/@me/channels", create_dm),
        ("GET", "/gateway", get_gateway),
        ("GET", "/gateway/bot", get_gateway_bot),
        ("GET", "/channels/{channel_id}", get_channel),
        ("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
    ]

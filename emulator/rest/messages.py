"""Channel messages: list, create, get, edit, delete."""

from aiohttp import web

from emulator.engine.actions import Authorship
from emulator.rest.context import (
    RouteTable,
    Services,
    body,
    decode,
    json_response,
    no_content,
    require_channel_permission,
    services,
    snowflake,
)
from emulator.rest.query import limit_param, snowflake_param
from emulator.rules import errors, payloads
from emulator.rules.bodies import CreateMessageBody, MessageBody
from emulator.rules.permissions import Permission, allows
from emulator.rules.state import Message

HISTORY = Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY


def _render(svc: Services, message: Message) -> web.Response:
    core = svc.core
    return json_response(
        payloads.message(core.world, message, cdn=core.base_url, viewer=core.bot_id)
    )


def _visible(svc: Services, request: web.Request) -> Message:
    message = svc.core.world.message(
        snowflake(request, "channel_id"), snowflake(request, "message_id")
    )
    if message.visible_to is not None:
        raise errors.unknown_message()
    return message


async def list_messages(request: web.Request) -> web.Response:
    """Newest first (Discord's docs, Message resource > Get Channel Messages): ``limit`` 1-100
    (default 50) and at most one of ``around``, ``before``, ``after``."""
    svc = services(request)
    core = svc.core
    channel = core.world.any_channel(snowflake(request, "channel_id"))
    require_channel_permission(svc, channel.id, Permission.VIEW_CHANNEL)
    limit = limit_param(request, default=50)
    around = snowflake_param(request, "around")
    before = snowflake_param(request, "before")
    after = snowflake_param(request, "after")
    shown = [m for m in core.world.channel_messages(channel.id) if m.visible_to is None]
    if not allows(core.world.channel_permissions(channel.id, core.bot_id), HISTORY):
        shown = []  # Discord answers an empty list without Read Message History
    if around is not None:
        # Centred on ``around``: the message itself and the older half, then the newer half.
        newer = [m for m in shown if m.id > around][: limit // 2]
        older = [m for m in shown if m.id <= around][-(limit - len(newer)) :]
        found = older + newer
    elif before is not None:
        found = [m for m in shown if m.id < before][-limit:]
    elif after is not None:
        found = [m for m in shown if m.id > after][:limit]
    else:
        found = shown[-limit:]
    return json_response(
        [
            payloads.message(core.world, m, cdn=core.base_url, viewer=core.bot_id)
            for m in reversed(found)
        ]
    )


async def create_message(request: web.Request) -> web.Response:
    """In a guild channel or a DM alike; a DM that cannot reach its recipient is 403 50007 or
    50278 (``emulator.rules.dms``)."""
    svc = services(request)
    channel = svc.core.world.any_channel(snowflake(request, "channel_id"))
    uploads = body(request).uploads
    needed = Permission.SEND_MESSAGES | (Permission.ATTACH_FILES if uploads else 0)
    require_channel_permission(svc, channel.id, needed)
    message = svc.actions.create_message(
        channel.id,
        decode(request, CreateMessageBody),
        uploads,
        Authorship(author_id=svc.core.bot_id),
    )
    core = svc.core
    rendered = payloads.message(core.world, message, cdn=core.base_url, viewer=core.bot_id)
    if message.nonce is not None:
        rendered["nonce"] = message.nonce
    return json_response(rendered)


async def get_message(request: web.Request) -> web.Response:
    svc = services(request)
    require_channel_permission(svc, snowflake(request, "channel_id"), HISTORY)
    return _render(svc, _visible(svc, request))


async def edit_message(request: web.Request) -> web.Response:
    svc = services(request)
    message = _visible(svc, request)
    if message.author_id != svc.core.bot_id:
        raise errors.cannot_edit_foreign_message()
    edited = svc.actions.edit_message(message, decode(request, MessageBody), body(request).uploads)
    return _render(svc, edited)


async def delete_message(request: web.Request) -> web.Response:
    svc = services(request)
    message = _visible(svc, request)
    if message.author_id != svc.core.bot_id:
        if message.guild_id is None:
            raise errors.dm_action()
        require_channel_permission(svc, message.channel_id, Permission.MANAGE_MESSAGES)
    svc.actions.delete_message(message)
    return no_content()


def routes() -> RouteTable:
    base = "/channels/{channel_id}/messages"
    return [
        ("GET", base, list_messages),
        ("POST", base, create_message),
        ("GET", base + "/{message_id}", get_message),
        ("PATCH", base + "/{message_id}", edit_message),
        ("DELETE", base + "/{message_id}", delete_message),
    ]

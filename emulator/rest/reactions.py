"""Reactions: add and remove the bot's own, remove a member's, list who reacted."""

from aiohttp import web

from emulator.rest.context import (
    RouteTable,
    Services,
    json_response,
    no_content,
    require_channel_permission,
    services,
    snowflake,
)
from emulator.rest.query import limit_param, snowflake_param
from emulator.rules import errors, payloads
from emulator.rules.emoji import reaction_emoji
from emulator.rules.permissions import Permission
from emulator.rules.state import Emoji, Message


def _target(svc: Services, request: web.Request) -> tuple[Message, Emoji]:
    """The message and the emoji of a reaction route; an emoji Discord does not know is
    10014 Unknown Emoji, whichever route it is on (Message resource, Create/Delete Reaction)."""
    world = svc.core.world
    message = world.message(snowflake(request, "channel_id"), snowflake(request, "message_id"))
    if message.visible_to is not None:
        raise errors.unknown_message()
    return message, reaction_emoji(world, svc.core.bot_id, request.match_info["emoji_name"])


async def add_own(request: web.Request) -> web.Response:
    svc = services(request)
    message, emoji = _target(svc, request)
    if message.reaction(emoji) is None:
        require_channel_permission(
            svc, message.channel_id, Permission.ADD_REACTIONS | Permission.READ_MESSAGE_HISTORY
        )
    svc.actions.add_reaction(message, svc.core.bot_id, emoji)
    return no_content()


async def remove_own(request: web.Request) -> web.Response:
    svc = services(request)
    message, emoji = _target(svc, request)
    svc.actions.remove_reaction(message, svc.core.bot_id, emoji)
    return no_content()


async def remove_user(request: web.Request) -> web.Response:
    svc = services(request)
    message, emoji = _target(svc, request)
    user_id = snowflake(request, "user_id")
    if user_id != svc.core.bot_id:
        if message.guild_id is None:
            raise errors.dm_action()
        require_channel_permission(svc, message.channel_id, Permission.MANAGE_MESSAGES)
    svc.actions.remove_reaction(message, user_id, emoji)
    return no_content()


async def list_users(request: web.Request) -> web.Response:
    svc = services(request)
    message, emoji = _target(svc, request)
    reaction = message.reaction(emoji)
    # Message resource > Get Reactions: ``after`` a user id, ``limit`` 1-100 (default 25).
    limit = limit_param(request, default=25)
    after = snowflake_param(request, "after") or 0
    users = sorted(u for u in (reaction.users if reaction else []) if u > after)[:limit]
    return json_response([payloads.user(svc.core.world.user(u)) for u in users])


def routes() -> RouteTable:
    base = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}"
    return [
        ("GET", base, list_users),
        ("PUT", base + "/@me", add_own),
        ("DELETE", base + "/@me", remove_own),
        ("DELETE", base + "/{user_id}", remove_user),
    ]

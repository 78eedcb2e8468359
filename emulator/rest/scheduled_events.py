"""Guild scheduled events: list, create, get, modify, delete, and the users interested in one
(Guild Scheduled Event resource).

The rules are :mod:`emulator.rules.scheduled_event_rules`. A body is checked whole first (50035, or
180000 for a finished event), then the bot's permissions for that kind of event in its channel or
guild (403 50013; 50001 for a channel it cannot see). Every handler first brings the guild's events
up to date with Discord's automation (an EXTERNAL event starts and ends on its own).
"""

from aiohttp import web

from emulator.rest.context import (
    RouteTable,
    Services,
    decode,
    json_response,
    no_content,
    services,
    snowflake,
)
from emulator.rest.query import limit_param, snowflake_param
from emulator.rules import errors, payloads
from emulator.rules.jsontypes import JSONArray, JSONObject
from emulator.rules.permissions import Permission
from emulator.rules.scheduled_event_rules import (
    CreateEventBody,
    ModifyEventBody,
    check_create,
    check_modify,
)
from emulator.rules.scheduled_event_rules import may_act as allowed
from emulator.rules.state import EventEntityType, Guild, ScheduledEvent

INTERESTED = 1  # Discord's OpenAPI description: GuildScheduledEventUserResponses
TRUE = frozenset({"True", "true", "1"})
"""Reference > Boolean Query Strings: "True, true, or 1 for true" (anything else reads as false)."""


def _guild(svc: Services, request: web.Request) -> Guild:
    guild = svc.core.world.guild(snowflake(request, "guild_id"))
    svc.actions.settle_scheduled_events(guild.id)
    return guild


def _event(svc: Services, request: web.Request) -> ScheduledEvent:
    guild = _guild(svc, request)
    return svc.core.world.scheduled_event(guild.id, snowflake(request, "guild_scheduled_event_id"))


def _require(
    svc: Services,
    guild: Guild,
    channel_id: int | None,
    kind: EventEntityType,
    *,
    create: bool,
    own: bool = True,
) -> None:
    world, bot = svc.core.world, svc.core.bot_id
    if channel_id is None or channel_id not in guild.channels:
        held = world.permissions(guild.id, bot)
    else:
        held = world.channel_permissions(channel_id, bot)
        if not held & Permission.VIEW_CHANNEL:
            raise errors.missing_access()
    if not allowed(held, kind=kind, create=create, own=own):
        raise errors.missing_permissions()


def _counted(request: web.Request) -> bool:
    return request.query.get("with_user_count") in TRUE


async def list_events(request: web.Request) -> web.Response:
    svc = services(request)
    guild = _guild(svc, request)
    counted = _counted(request)
    world = svc.core.world
    return json_response(
        [
            payloads.scheduled_event(world, e, with_user_count=counted)
            for e in sorted(guild.scheduled_events.values(), key=lambda e: e.id)
        ]
    )


async def create_event(request: web.Request) -> web.Response:
    svc = services(request)
    guild = _guild(svc, request)
    core = svc.core
    fields = check_create(core.world, guild, decode(request, CreateEventBody), core.clock.now())
    _require(svc, guild, fields.channel_id, fields.entity_type, create=True)
    event = svc.actions.create_scheduled_event(guild.id, fields, creator_id=core.bot_id)
    return json_response(payloads.scheduled_event(core.world, event))


async def get_event(request: web.Request) -> web.Response:
    svc = services(request)
    event = _event(svc, request)
    return json_response(
        payloads.scheduled_event(svc.core.world, event, with_user_count=_counted(request))
    )


async def modify_event(request: web.Request) -> web.Response:
    svc = services(request)
    core = svc.core
    event = _event(svc, request)
    fields = check_modify(core.world, event, decode(request, ModifyEventBody), core.clock.now())
    guild = core.world.guild(event.guild_id)
    own = event.creator_id == core.bot_id
    _require(svc, guild, fields.channel_id, fields.entity_type, create=False, own=own)
    svc.actions.update_scheduled_event(event, fields)
    return json_response(payloads.scheduled_event(core.world, event))


async def delete_event(request: web.Request) -> web.Response:
    svc = services(request)
    event = _event(svc, request)
    guild = svc.core.world.guild(event.guild_id)
    own = event.creator_id == svc.core.bot_id
    _require(svc, guild, event.channel_id, event.entity_type, create=False, own=own)
    svc.actions.delete_scheduled_event(event)
    return no_content()


async def event_users(request: web.Request) -> web.Response:
    """Get Guild Scheduled Event Users: ``limit`` 1-100 (default 100), ``with_member``, and
    ``before`` or ``after`` a user id (with both, only ``before`` counts); users in ascending
    order of id (Discord's Guild Scheduled Event resource; twilight-http documents the order
    and the precedence). Each holds ``user_id`` and ``response``, as Discord's OpenAPI
    description requires."""
    svc = services(request)
    event = _event(svc, request)
    limit = limit_param(request, default=100)
    before = snowflake_param(request, "before")
    after = snowflake_param(request, "after")
    users = sorted(event.interested)
    if before is not None:
        users = [u for u in users if u < before][-limit:]
    else:
        users = [u for u in users if after is None or u > after][:limit]
    world = svc.core.world
    guild = world.guild(event.guild_id)
    members = request.query.get("with_member") in TRUE
    found: JSONArray = []
    for user_id in users:
        item: JSONObject = {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(user_id),
            "user": payloads.user(world.user(user_id)),
            "response": INTERESTED,
        }
        if members and user_id in guild.members:
            item["member"] = payloads.member(world, guild.members[user_id])
        found.append(item)
    return json_response(found)


def routes() -> RouteTable:
    base = "/guilds/{guild_id}/scheduled-events"
    one = base + "/{guild_scheduled_event_id}"
    return [
        ("GET", base, list_events),
        ("POST", base, create_event),
        ("GET", one, get_event),
        ("PATCH", one, modify_event),
        ("DELETE", one, delete_event),
        ("GET", one + "/users", event_users),
    ]

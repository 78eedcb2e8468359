"""Interaction callbacks, follow-ups and ``@original`` through the interaction's webhook token."""

from aiohttp import web

from emulator.engine.interactions import PendingInteraction
from emulator.rest.context import (
    RouteTable,
    Services,
    body,
    decode,
    json_response,
    no_content,
    services,
    snowflake,
)
from emulator.rules import errors, payloads
from emulator.rules.bodies import CallbackBody, MessageBody
from emulator.rules.state import Message


async def callback(request: web.Request) -> web.Response:
    svc = services(request)
    svc.interactions.respond(
        snowflake(request, "interaction_id"),
        request.match_info["interaction_token"],
        decode(request, CallbackBody),
        body(request).uploads,
    )
    return no_content()


def _pending(svc: Services, request: web.Request) -> PendingInteraction:
    webhook_id = request.match_info["webhook_id"]
    if not (webhook_id.isascii() and webhook_id.isdigit()):
        raise errors.unknown_webhook()
    return svc.interactions.by_token(int(webhook_id), request.match_info["webhook_token"])


def _message_id(request: web.Request) -> int | None:
    if "message_id" not in request.match_info:
        return None
    return snowflake(request, "message_id")


def _render(svc: Services, message: Message) -> web.Response:
    core = svc.core
    return json_response(
        payloads.message(core.world, message, cdn=core.base_url, viewer=core.bot_id)
    )


async def execute(request: web.Request) -> web.Response:
    svc = services(request)
    pending = _pending(svc, request)
    message = svc.interactions.followup(
        pending, decode(request, MessageBody), body(request).uploads
    )
    if request.query.get("wait", "false").lower() in ("true", "1"):
        return _render(svc, message)
    return no_content()


async def get_message(request: web.Request) -> web.Response:
    svc = services(request)
    return _render(svc, svc.interactions.message(_pending(svc, request), _message_id(request)))


async def edit_message(request: web.Request) -> web.Response:
    svc = services(request)
    pending = _pending(svc, request)
    edited = svc.interactions.edit(
        pending, _message_id(request), decode(request, MessageBody), body(request).uploads
    )
    return _render(svc, edited)


async def delete_message(request: web.Request) -> web.Response:
    svc = services(request)
    svc.interactions.delete(_pending(svc, request), _message_id(request))
    return no_content()


def routes() -> RouteTable:
    base = "/webhooks/{webhook_id}/{webhook_token}"
    table: RouteTable = [
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback),
        ("POST", base, execute),
    ]
    for target in ("/messages/@original", "/messages/{message_id}"):
        table += [
            ("GET", base + target, get_message),
            ("PATCH", base + target, edit_message),
            ("DELETE", base + target, delete_message),
        ]
    return table

"""The aiohttp application: routing, authorization, rate limits, Discord's errors, the log."""

import json
import logging
import time

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError

from emulator.engine.core import Core
from emulator.engine.recorder import RequestRecord
from emulator.rest import (
    cdn,
    commands,
    messages,
    misc,
    oauth2,
    reactions,
    scheduled_events,
    voice_status,
    webhooks,
)
from emulator.rest.context import (
    API_PREFIX,
    SERVICES,
    Handler,
    RouteTable,
    Services,
    body,
    json_response,
    read_body,
)
from emulator.rules import errors
from emulator.rules.jsontypes import JSONValue
from emulator.rules.ratelimit import Verdict, major_of

log = logging.getLogger(__name__)

VIA = "1.1 google"
UNAUTHENTICATED_PREFIXES = ("/interactions/", "/webhooks/")
UNAUTHENTICATED_PATHS = frozenset({"/gateway", "/oauth2/token"})  # the token URL: client auth


def _route_of(request: web.Request) -> str | None:
    """The matched API route template without the ``/api/v10`` prefix, if any."""
    if isinstance(request.match_info, MatchInfoError):
        return None
    canonical = (
        request.match_info.route.resource.canonical if request.match_info.route.resource else ""
    )
    if not canonical.startswith(API_PREFIX):
        return None
    return canonical.removeprefix(API_PREFIX)


def _no_route(request: web.Request) -> errors.DiscordError:
    """A known path with another method is 405 ("The HTTP method used is not valid for the
    location specified": Discord's docs, Opcodes and Status Codes); anything else 404."""
    match = request.match_info
    if isinstance(match, MatchInfoError) and match.http_exception.status == 405:
        return errors.method_not_allowed()
    return errors.not_found_route()


def _response_json(response: web.StreamResponse) -> JSONValue:
    if not isinstance(response, web.Response) or response.content_type != "application/json":
        return None
    raw = response.body
    if not isinstance(raw, bytes | bytearray) or not raw:
        return None
    parsed: JSONValue = json.loads(raw)
    return parsed


@web.middleware
async def discord_semantics(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every API request Discord's behaviour and record it."""
    path = request.path
    if not path.startswith(API_PREFIX + "/"):
        return await handler(request)
    api_path = path.removeprefix(API_PREFIX)
    route = _route_of(request)
    params = dict(request.match_info) if route is not None else {}
    major = major_of(route or "", params)
    headers: dict[str, str] = {}
    core = request.app[SERVICES].core
    try:
        verdict = await _admitted(request, core, route, api_path, major)
        headers = verdict.headers
        if verdict.limited:
            response: web.StreamResponse = _rate_limited(request, route, verdict)
        else:
            response = await handler(request)
    except errors.DiscordError as error:
        response = json_response(error.body(), status=error.status)
    except web.HTTPException as error:
        response = json_response(
            {"code": 0, "message": f"{error.status}: {error.reason}"}, status=error.status
        )
    response.headers.update(headers)
    response.headers["Via"] = VIA
    _record(request, core, response, api_path, route or api_path, params, major)
    return response


async def _admitted(
    request: web.Request, core: Core, route: str | None, api_path: str, major: str
) -> Verdict:
    """The rate limits' verdict on a request Discord would take: a known route, an accepted
    token (or none where Discord asks for none) and a readable body, else Discord's error."""
    read = await read_body(request, core.config.rules.max_upload_bytes)
    if route is None:
        raise _no_route(request)
    token = request.headers.get("Authorization")
    public = api_path in UNAUTHENTICATED_PATHS or api_path.startswith(UNAUTHENTICATED_PREFIXES)
    grant = oauth2.bearer_grant(core.oauth, api_path, token)
    if grant is not None:
        request[oauth2.GRANT] = grant
    elif not public and token != f"Bot {core.config.token}":
        raise errors.unauthorized()
    if read.problem is not None:
        raise read.problem
    return core.ratelimits.check(f"{request.method} {route}", api_path, major, token)


def _rate_limited(request: web.Request, route: str | None, verdict: Verdict) -> web.Response:
    """Discord's 429 body; the verdict's headers say when to retry."""
    log.info("429 for %s %s (retry after %.3fs)", request.method, route, verdict.retry_after)
    return json_response(
        {
            "code": 0,
            "message": "You are being rate limited.",
            "retry_after": round(verdict.retry_after, 3),
            "global": verdict.is_global,
        },
        status=429,
    )


def _record(
    request: web.Request,
    core: Core,
    response: web.StreamResponse,
    api_path: str,
    route: str,
    params: dict[str, str],
    major: str,
) -> None:
    """Add the request and its answer to the log tests read."""
    parsed_body = body(request)
    if "client_secret" in parsed_body.form:  # the log is for tests to read, secrets aside
        parsed_body.form["client_secret"] = "<redacted>"  # noqa: S105
    core.requests.add(
        RequestRecord(
            method=request.method,
            path=api_path,
            route=route,
            params=params,
            major=major,
            query=dict(request.query),
            body=parsed_body.value(),
            status=response.status,
            response=_response_json(response),
            content_type=parsed_body.content_type,
            uploads=parsed_body.records(),
            at=time.monotonic(),
        )
    )
    core.changes.touch()


def route_table() -> RouteTable:
    """Every REST route the emulator serves, in Discord's OpenAPI spelling."""
    table = misc.routes() + commands.routes() + messages.routes() + reactions.routes()
    table += webhooks.routes() + scheduled_events.routes() + voice_status.routes()
    return table + oauth2.routes()


def build_app(svc: Services) -> web.Application:
    """The REST API under ``/api/v10``, the CDN (attachments, avatars, icons) and the gateway
    socket at ``/``."""
    app = web.Application(middlewares=[discord_semantics], client_max_size=25 * 1024 * 1024)
    app[SERVICES] = svc
    for method, template, handler in route_table():
        app.router.add_route(method, API_PREFIX + template, handler)
    app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", misc.attachment)
    cdn.add_routes(app)
    oauth2.add_authorize_page(app)
    app.router.add_get("/", svc.core.gateway.handle)
    return app


__all__ = ["Services", "build_app", "route_table"]

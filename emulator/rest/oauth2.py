"""Discord's OAuth2 endpoints (see ``emulator.rules.oauth`` for the facts and their sources):
the authorize page, where whoever opens it picks which emulated member they are; the token
exchange; and what a bearer token may read (``/users/@me``, ``/users/@me/guilds``)."""

import base64
import binascii
import html
from urllib.parse import urlencode

from aiohttp import web

from emulator.rest.context import FORM, RouteTable, body, json_response, services
from emulator.rules import payloads
from emulator.rules.jsontypes import JSONObject
from emulator.rules.oauth import Grant, OAuthApp, OAuthError
from emulator.rules.state import World

AUTHORIZE_PATH = "/oauth2/authorize"
GRANT = web.RequestKey("oauth_grant", Grant)
"""The bearer grant of a request the middleware let through on a user's token."""

BEARER_SCOPES = {"/users/@me": "identify", "/users/@me/guilds": "guilds"}
"""What a bearer token may read, and the scope each needs (Topics > OAuth2 > OAuth2 Scopes:
``identify`` "allows /users/@me without email", ``guilds`` "allows /users/@me/guilds to
return basic information about all of a user's guilds")."""


def bearer_grant(app: OAuthApp, api_path: str, authorization: str | None) -> Grant | None:
    """The grant of ``Authorization: Bearer <token>`` if it may read ``api_path``."""
    scope = BEARER_SCOPES.get(api_path)
    if scope is None or authorization is None or not authorization.startswith("Bearer "):
        return None
    grant = app.bearer(authorization.removeprefix("Bearer "))
    return grant if grant is not None and scope in grant.scopes else None


def _caller(request: web.Request) -> int:
    grant = request.get(GRANT)
    return grant.user_id if grant is not None else services(request).core.bot_id


async def get_current_user(request: web.Request) -> web.Response:
    core = services(request).core
    return json_response(payloads.current_user(core.world.user(_caller(request))))


def my_guild(world: World, guild_id: int, user_id: int) -> JSONObject:
    """One guild as ``GET /users/@me/guilds`` lists it, with the caller's permissions."""
    guild = world.guild(guild_id)
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "banner": None,
        "owner": guild.owner_id == user_id,
        "permissions": str(world.permissions(guild_id, user_id)),
        "features": [],
    }


async def get_my_guilds(request: web.Request) -> web.Response:
    """The caller's guilds by id, at most ``limit`` (1-200, default 200) after ``after``."""
    world = services(request).core.world
    user_id = _caller(request)
    query = request.query
    limit = int(query["limit"]) if query.get("limit", "").isdigit() else 200
    after = int(query["after"]) if query.get("after", "").isdigit() else 0
    ids = sorted(g.id for g in world.guilds.values() if user_id in g.members and g.id > after)
    return json_response([my_guild(world, i, user_id) for i in ids[: max(1, min(limit, 200))]])


def _basic(header: str | None) -> tuple[str, str] | None:
    if header is None or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header.removeprefix("Basic "), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


async def token(request: web.Request) -> web.Response:
    """The authorization-code exchange. "The token and token revocation URLs will only
    accept a content type of application/x-www-form-urlencoded. JSON content is not
    permitted and will return an error" (Topics > OAuth2 > Shared Resources)."""
    app = services(request).core.oauth
    got = body(request)
    if got.content_type != FORM:
        refused: JSONObject = {"error": "invalid_request", "error_description": "Form only."}
        return json_response(refused, status=400)
    try:
        answer = app.exchange(got.form, _basic(request.headers.get("Authorization")))
    except OAuthError as error:
        return json_response(dict(error.body()), status=error.status)
    return json_response(dict(answer))


def _page(title: str, content: str, status: int = 200) -> web.Response:
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1>{content}</body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html")


_PASSED_ON = ("client_id", "redirect_uri", "scope", "state", "response_type")


async def authorize_page(request: web.Request) -> web.Response:
    """The consent screen: one button per emulated member ("log in as ...")."""
    core = services(request).core
    query = request.query
    if query.get("response_type") != "code":
        return _page("Invalid OAuth2 request", "<p>Invalid response_type: use code</p>", 400)
    try:
        core.oauth.check_authorize(
            query.get("client_id", ""), query.get("redirect_uri", ""), query.get("scope", "")
        )
    except ValueError as error:
        return _page("Invalid OAuth2 request", f"<p>{html.escape(str(error))}</p>", 400)
    hidden = "".join(
        f"<input type='hidden' name='{k}' value='{html.escape(query[k], quote=True)}'>"
        for k in _PASSED_ON
        if k in query
    )
    world = core.world
    rows = []
    for guild in sorted(world.guilds.values(), key=lambda g: g.id):
        buttons = "".join(
            f"<li><button name='user_id' value='{user_id}' data-user='{user_id}'>"
            f"{html.escape(world.display_name(guild.id, user_id))}</button></li>"
            for user_id in sorted(guild.members)
            if not world.user(user_id).bot
        )
        rows.append(f"<h2>{html.escape(guild.name)}</h2><ul>{buttons}</ul>")
    scope = html.escape(query.get("scope", ""))
    content = (
        f"<p>An application asks to know who you are and your servers ({scope}). "
        f"Who are you?</p><form method='post' action='{AUTHORIZE_PATH}'>{hidden}"
        f"{''.join(rows)}<p><button name='deny' value='1'>Cancel</button></p></form>"
    )
    return _page("Authorize access to your account", content)


async def authorize(request: web.Request) -> web.Response:
    """The member picked who they are (or cancelled): back to the client with a code."""
    core = services(request).core
    form = await request.post()
    fields = {k: str(v) for k, v in form.items()}
    try:
        scopes = core.oauth.check_authorize(
            fields.get("client_id", ""), fields.get("redirect_uri", ""), fields.get("scope", "")
        )
    except ValueError as error:
        return _page("Invalid OAuth2 request", f"<p>{html.escape(str(error))}</p>", 400)
    redirect = fields["redirect_uri"]
    state = {"state": fields["state"]} if "state" in fields else {}
    if fields.get("deny"):
        # RFC 6749 4.1.2.1: the resource owner denied the request.
        answer = {"error": "access_denied", "error_description": "The resource owner denied"}
        raise web.HTTPFound(f"{redirect}?{urlencode(answer | state)}")
    user = fields.get("user_id", "")
    if not user.isdigit() or int(user) not in core.world.users or core.world.users[int(user)].bot:
        return _page("Invalid OAuth2 request", "<p>Pick a member.</p>", 400)
    code = core.oauth.issue_code(int(user), scopes, redirect)
    raise web.HTTPFound(f"{redirect}?{urlencode({'code': code} | state)}")


def routes() -> RouteTable:
    """The API part (under ``/api/v10``); the authorize page is added beside it."""
    return [
        ("GET", "/users/@me", get_current_user),
        ("GET", "/users/@me/guilds", get_my_guilds),
        ("POST", "/oauth2/token", token),
    ]


def add_authorize_page(app: web.Application) -> None:
    app.router.add_get(AUTHORIZE_PATH, authorize_page)
    app.router.add_post(AUTHORIZE_PATH, authorize)

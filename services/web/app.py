"""The dashboard's aiohttp application: the session, the login, and the pages' routes.

Routes: ``/`` (the member's servers), ``/login`` (a page), ``/login/discord`` (to Discord's
authorize page), ``/login/callback``, ``/logout`` (a form; ``everywhere=1`` ends every
browser's session), ``/static/`` (the style sheet, the scripts, the logo), ``/cdn/``
(avatars and icons, see ``services.web.pictures``); the moderators' pages
(``services.web.moderator``) and the members' own (``services.web.member``).

Every answer carries a Content-Security-Policy that allows what the pages use and nothing
more: the style sheet and the scripts from this origin, images from here, the board's
event stream and the graph's SVG read again by ``static/graph.js``, forms posted here; no
inline script or style (the templates have none, nor the graphs' SVG), no framing, no
``<object>``. The graph's SVG, put into the page by that script rather than embedded in an
``<object>``, needs no exception to this: one policy for every answer. It is defence in depth
behind Jinja's autoescaping.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_session
from cryptography.fernet import Fernet

from bus.clock import wall_time
from bus.errors import BusError
from bus.protocol import EndWebSessions, GetMember, MemberReply, OpenWebSession, WebSessionReply
from services.web import ahead, login, member, moderator, pictures
from services.web.access import (
    CSRF,
    NAME,
    NEXT,
    SECRET,
    STATE,
    USER,
    check_csrf,
    session_token,
    visitor,
)
from services.web.connections import GATE, Gate, busy_while_answering
from services.web.context import WEB, Web, web_of
from services.web.cookies import SessionCookies
from services.web.errorpage import pages_of_errors

log = logging.getLogger(__name__)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

COOKIE = "squadtime_session"
SESSION_DAYS = 7
STATIC = Path(__file__).parent / "static"
FORM_BYTES = 64 * 1024
"""The largest body accepted: every form here is a few hundred bytes."""
HOME_ASKS = 16
"""GetMember requests in flight at once for the home page (a member may be in 200 servers)."""
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def session_key(path: Path) -> bytes:
    """The cookie key in ``path``, made (0600) on first use: sessions survive restarts."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()  # another start made it first
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key


async def with_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The security headers, on every answer: pages, files, streams and aiohttp's own errors
    (``on_response_prepare`` runs for each, where a middleware sees only handlers' answers)."""
    response.headers.update(HEADERS)


async def home(request: web.Request) -> web.Response:
    """The visitor's servers that the bot is in and still counts them a member of."""
    site = web_of(request)
    who = await visitor(request, site.bus)
    room = asyncio.Semaphore(HOME_ASKS)

    async def ask(guild_id: int) -> MemberReply:
        async with room:
            return await site.bus.request(
                "scheduler",
                GetMember(guild_id=guild_id, user_id=who.user_id),
                expect=MemberReply,
                timeout=3.0,
            )

    try:
        found = await asyncio.gather(*(ask(guild_id) for guild_id in who.guild_ids))
    except BusError:
        raise web.HTTPServiceUnavailable(text="The bot is busy; try again soon.") from None
    guilds = [(f.guild_id, f.guild_name, f.guild_icon_url) for f in found if f.member is not None]
    guilds.sort(key=lambda g: g[1].casefold())
    return site.page("home.html", "Your servers", visitor=who, guilds=guilds)


async def login_page(request: web.Request) -> web.Response:
    site = web_of(request)
    return site.page("login.html", "Log in", configured=site.config.login_configured, message="")


async def to_discord(request: web.Request) -> web.Response:
    site = web_of(request)
    if not site.config.login_configured:
        raise web.HTTPFound("/login")
    session = await get_session(request)
    state = secrets.token_urlsafe(16)
    session[STATE] = state
    raise web.HTTPFound(login.authorize_url(site.config, site.bound_url, state))


async def callback(request: web.Request) -> web.Response:
    site = web_of(request)
    session = await get_session(request)
    expected = session.pop(STATE, None)
    state, code = request.query.get("state", ""), request.query.get("code", "")
    if not isinstance(expected, str) or not secrets.compare_digest(state, expected) or not code:
        message = "That login link was not started here, or has been used; log in again."
        return site.page("login.html", "Log in", configured=True, message=message, status=403)
    try:
        who = await login.complete(site.http, site.config, site.bound_url, code)
    except login.LoginFailed as error:
        return site.page("login.html", "Log in", configured=True, message=str(error), status=502)
    after = session.get(NEXT)
    secret = secrets.token_urlsafe(24)
    now = wall_time()  # a session's lifetime is real time, not community time
    opened = OpenWebSession(
        token=session_token(secret),
        user_id=who.user_id,
        guild_ids=who.guild_ids,
        opened=now,
        expires=now + SESSION_DAYS * 86_400,
    )
    try:
        await site.bus.request("telemetry", opened, expect=WebSessionReply, timeout=3.0)
    except BusError:
        message = "The bot is busy and could not open your session; log in again in a moment."
        return site.page("login.html", "Log in", configured=True, message=message, status=503)
    fresh = await new_session(request)  # a new session on login, whatever came before
    fresh[USER], fresh[NAME], fresh[SECRET] = who.user_id, who.name, secret
    fresh[CSRF] = secrets.token_urlsafe(24)
    log.info("member %d logged in", who.user_id)
    target = after if isinstance(after, str) and after.startswith("/") else "/"
    raise web.HTTPFound(target if not target.startswith("//") else "/")


async def logout(request: web.Request) -> web.Response:
    """End this session (or, with ``everywhere=1``, every session of the member) for good:
    a copy of the cookie opens nothing afterwards."""
    site = web_of(request)
    who = await visitor(request, site.bus)
    form = await check_csrf(request, who)
    everywhere = form.get("everywhere") == "1"
    end = EndWebSessions(token=who.session, everywhere=everywhere)
    try:
        await site.bus.request("telemetry", end, expect=WebSessionReply, timeout=3.0)
    except BusError:
        raise web.HTTPServiceUnavailable(
            text="The bot is busy: you are still logged in; try again in a moment."
        ) from None
    (await get_session(request)).invalidate()
    log.info("member %d logged out%s", who.user_id, " everywhere" if everywhere else "")
    raise web.HTTPFound("/login")


async def picture(request: web.Request) -> web.Response:
    """A member's avatar or a server's icon (``services.web.pictures``), for a browser that
    logged in here: the signed cookie is checked without asking telemetry, as one page
    shows dozens of pictures. A picture the CDN did not give is a grey disc, not a broken
    image."""
    session = await get_session(request)
    if not isinstance(session.get(USER), int):
        raise web.HTTPForbidden(text="Log in to see pictures.")
    path = request.match_info["path"]
    if not pictures.PATHS.fullmatch(path):
        raise web.HTTPNotFound(text="No such picture.")
    site = web_of(request)
    body = await site.pictures.get(site.http, path)
    headers = {"Cache-Control": pictures.CACHE_CONTROL}
    if body is None:
        svg = pictures.PLACEHOLDER
        return web.Response(text=svg, content_type="image/svg+xml", headers=headers)
    return web.Response(body=body, content_type="image/png", headers=headers)


def build_app(site: Web, key: bytes, gate: Gate) -> web.Application:
    app = web.Application(
        middlewares=[busy_while_answering, pages_of_errors], client_max_size=FORM_BYTES
    )
    app[WEB] = site
    app[GATE] = gate
    app.on_response_prepare.append(with_headers)
    secure = site.config.public_url.startswith("https://")  # behind an HTTPS proxy
    storage = SessionCookies(
        Fernet(key), cookie_name=COOKIE, max_age=SESSION_DAYS * 86_400, secure=secure
    )
    setup_session(app, storage)
    app.add_routes(
        [
            web.get("/", home),
            web.get("/login", login_page),
            web.get("/login/discord", to_discord),
            web.get("/login/callback", callback),
            web.post("/logout", logout),
            web.static("/static", STATIC),
            web.get(pictures.ROUTE + "{path:.+}", picture),
            *moderator.routes(),
            *member.routes(),
            *ahead.routes(),
        ]
    )
    return app

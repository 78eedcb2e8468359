"""The dashboard's aiohttp application: the session, the login, and the pages' routes.

Routes: ``/`` (the member's servers), ``/login`` (a page), ``/login/discord`` (to Discord's
authorize page), ``/login/callback``, ``/logout`` (a form); the moderators' pages
(``services.web.moderator``) and the members' own (``services.web.member``).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from bus.errors import BusError
from bus.protocol import GetMember, MemberReply
from services.web import login, member, moderator
from services.web.access import CSRF, GUILDS, NAME, NEXT, STATE, USER, check_csrf, visitor
from services.web.context import WEB, Web, web_of

log = logging.getLogger(__name__)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

COOKIE = "squadtime_session"
SESSION_DAYS = 7
HEADERS = {
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


@web.middleware
async def pages_of_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals as a small page with their reason, and a few headers on every answer."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "text/html":
            error.headers.update(HEADERS)
            raise
        site = web_of(request)
        response = site.page("error.html", error.reason, status=error.status, message=error.text)
    response.headers.update(HEADERS)
    return response


async def home(request: web.Request) -> web.Response:
    """The visitor's servers that the bot is in and still counts them a member of."""
    site = web_of(request)
    who = await visitor(request)
    guilds = []
    for guild_id in who.guild_ids:
        try:
            found = await site.bus.request(
                "scheduler",
                GetMember(guild_id=guild_id, user_id=who.user_id),
                expect=MemberReply,
                timeout=3.0,
            )
        except BusError:
            raise web.HTTPServiceUnavailable(text="The bot is busy; try again soon.") from None
        if found.member is not None:
            guilds.append((guild_id, found.guild_name))
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
    fresh = await new_session(request)  # a new session on login, whatever came before
    fresh[USER], fresh[NAME], fresh[GUILDS] = who.user_id, who.name, who.guild_ids
    fresh[CSRF] = secrets.token_urlsafe(24)
    log.info("member %d logged in", who.user_id)
    target = after if isinstance(after, str) and after.startswith("/") else "/"
    raise web.HTTPFound(target if not target.startswith("//") else "/")


async def logout(request: web.Request) -> web.Response:
    who = await visitor(request)
    await check_csrf(request, who)
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPFound("/login")


def build_app(site: Web, key: bytes) -> web.Application:
    app = web.Application(middlewares=[pages_of_errors])
    app[WEB] = site
    secure = site.config.public_url.startswith("https://")  # behind an HTTPS proxy
    storage = EncryptedCookieStorage(
        Fernet(key),
        cookie_name=COOKIE,
        max_age=SESSION_DAYS * 86_400,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )
    setup_session(app, storage)
    app.add_routes(
        [
            web.get("/", home),
            web.get("/login", login_page),
            web.get("/login/discord", to_discord),
            web.get("/login/callback", callback),
            web.post("/logout", logout),
            *moderator.routes(),
            *member.routes(),
        ]
    )
    return app

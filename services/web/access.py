"""Who is asking, and what they may see: the session, CSRF tokens and the two roles.

The session is a cookie, signed and encrypted (Fernet, through aiohttp-session). It holds
only who logged in (id and name), the CSRF token of their forms and the session's secret:
a few hundred bytes, however many servers the member is in. Whether that session is still
open, and the guilds Discord listed at login, are kept by telemetry (``FindWebSession``),
asked on every page: the web program stays stateless, a restart logs nobody out, and a
logout ends the session for every copy of the cookie (see ``services.telemetry.websessions``).

Every guild page asks the scheduler for the member as the bot knows them *now* (the
gateway's cache, kept fresh by Discord's events): someone who left the guild, or lost
Manage Server, loses the pages at their next request, not at their next login.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp_session import Session, get_session

from bus.client import BusClient
from bus.errors import BusError
from bus.protocol import FindWebSession, GetMember, MemberFacts, MemberReply, WebSessionReply
from services.runtime.permissions import is_admin

USER = "user_id"
NAME = "name"
SECRET = "sid"  # noqa: S105 -- the name of a session field, not a secret
CSRF = "csrf"
STATE = "oauth_state"
NEXT = "next"
FORM_FIELD = "csrf"
ASK_TIMEOUT = 3.0
FORM_TIMEOUT = 10.0
"""Seconds a form's body may take to arrive: a body sent a byte at a time holds a connection."""


@dataclass(frozen=True, slots=True)
class Visitor:
    """A logged-in member, as their session says."""

    user_id: int
    name: str
    guild_ids: list[int]
    csrf: str
    session: str
    """What telemetry knows the session by (``session_token``)."""


@dataclass(frozen=True, slots=True)
class Access:
    """A visitor in one guild, checked against the bot's facts of this moment."""

    visitor: Visitor
    guild_id: int
    guild_name: str
    member: MemberFacts
    moderator: bool
    guild_icon_url: str = ""


VISITOR = web.RequestKey("visitor", Visitor)
"""The logged-in visitor of the request, kept for its error page's navigation."""
ACCESS = web.RequestKey("access", Access)
"""The visitor's access to the guild of the request, kept for its error page's navigation."""


async def visitor(request: web.Request, bus: BusClient) -> Visitor:
    """The logged-in visitor, if their session is still open; anyone else is sent to the
    login page (and back here after)."""
    session = await get_session(request)
    user, secret = session.get(USER), session.get(SECRET)
    if isinstance(user, int) and isinstance(secret, str):
        token = session_token(secret)
        found = await _find_session(bus, token)
        if found.user_id == user:
            who = request[VISITOR] = Visitor(
                user_id=user,
                name=str(session.get(NAME, "")),
                guild_ids=found.guild_ids,
                csrf=csrf_token(session),
                session=token,
            )
            return who
        session.clear()  # logged out, here or elsewhere: the cookie is spent
    session[NEXT] = request.path_qs if request.method == "GET" else "/"
    raise web.HTTPFound("/login")


def session_token(secret: str) -> str:
    """What telemetry keeps for a session: a hash of the cookie's secret, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def _find_session(bus: BusClient, token: str) -> WebSessionReply:
    try:
        return await bus.request(
            "telemetry",
            FindWebSession(token=token),
            expect=WebSessionReply,
            timeout=ASK_TIMEOUT,
        )
    except BusError:
        raise web.HTTPServiceUnavailable(text="The bot is busy; try again in a moment.") from None


def csrf_token(session: Session) -> str:
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = session[CSRF] = secrets.token_urlsafe(24)
    return token


async def check_csrf(request: web.Request, who: Visitor) -> dict[str, str]:
    """The form's fields, once its CSRF token matched the session's (else 403); a body that
    is not a form, or too slow to arrive, is a 400."""
    try:
        async with asyncio.timeout(FORM_TIMEOUT):
            posted = await request.post()
    except TimeoutError:
        raise web.HTTPBadRequest(text="The form took too long to arrive.") from None
    except (ValueError, RuntimeError, HttpProcessingError):
        # What aiohttp's body readers raise for a body that does not parse (aiohttp 3.14's
        # multipart.py): ValueError for a missing or wrong boundary, InvalidHeader for a
        # part's bad header line, RuntimeError for an unknown Content-Transfer-Encoding.
        raise web.HTTPBadRequest(text="This form could not be read.") from None
    form = {k: str(v) for k, v in posted.items()}
    sent = form.get(FORM_FIELD, "")
    if not sent or not secrets.compare_digest(sent, who.csrf):
        raise web.HTTPForbidden(text="This form has expired or did not come from this site.")
    return form


def guild_id_of(request: web.Request) -> int:
    raw = request.match_info["guild_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 20:
        raise web.HTTPBadRequest(text=f"{raw[:30]!r} is not a server id.")
    return int(raw)


async def member_access(request: web.Request, bus: BusClient) -> Access:
    """The visitor in the guild of the URL; 403 if the bot does not count them a member."""
    who = await visitor(request, bus)
    guild_id = guild_id_of(request)
    try:
        found = await bus.request(
            "scheduler",
            GetMember(guild_id=guild_id, user_id=who.user_id),
            expect=MemberReply,
            timeout=ASK_TIMEOUT,
        )
    except BusError:
        raise web.HTTPServiceUnavailable(text="The bot is busy; try again in a moment.") from None
    if found.member is None:
        raise web.HTTPForbidden(text="You are not a member of this server.")
    moderator = is_admin(found.member.permissions, user_id=who.user_id, owner_id=found.owner_id)
    access = Access(who, guild_id, found.guild_name, found.member, moderator, found.guild_icon_url)
    request[ACCESS] = access
    return access


async def moderator_access(request: web.Request, bus: BusClient) -> Access:
    """As ``member_access``, and 403 without Manage Server."""
    access = await member_access(request, bus)
    if not access.moderator:
        raise web.HTTPForbidden(text="This page is for moderators (Manage Server).")
    return access

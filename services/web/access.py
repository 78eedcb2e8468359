"""Who is asking, and what they may see: the session, CSRF tokens and the two roles.

The session is a cookie, signed and encrypted (Fernet, through aiohttp-session), so the
web program keeps no state and a restart logs nobody out. It holds only who logged in, the
guilds Discord listed for them at login, and the CSRF token of their forms.

Every guild page asks the scheduler for the member as the bot knows them *now* (the
gateway's cache, kept fresh by Discord's events): someone who left the guild, or lost
Manage Server, loses the pages at their next request, not at their next login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aiohttp import web
from aiohttp_session import Session, get_session

from bus.client import BusClient
from bus.errors import BusError
from bus.protocol import GetMember, MemberFacts, MemberReply
from services.runtime.permissions import is_admin

USER = "user_id"
NAME = "name"
GUILDS = "guild_ids"
CSRF = "csrf"
STATE = "oauth_state"
NEXT = "next"
FORM_FIELD = "csrf"
ASK_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class Visitor:
    """A logged-in member, as their session says."""

    user_id: int
    name: str
    guild_ids: list[int]
    csrf: str


@dataclass(frozen=True, slots=True)
class Access:
    """A visitor in one guild, checked against the bot's facts of this moment."""

    visitor: Visitor
    guild_id: int
    guild_name: str
    member: MemberFacts
    moderator: bool


async def visitor(request: web.Request) -> Visitor:
    """The logged-in visitor; anyone else is sent to the login page (and back here after)."""
    session = await get_session(request)
    user = session.get(USER)
    if not isinstance(user, int):
        session[NEXT] = request.path_qs if request.method == "GET" else "/"
        raise web.HTTPFound("/login")
    return Visitor(
        user_id=user,
        name=str(session.get(NAME, "")),
        guild_ids=[g for g in session.get(GUILDS, []) if isinstance(g, int)],
        csrf=csrf_token(session),
    )


def csrf_token(session: Session) -> str:
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = session[CSRF] = secrets.token_urlsafe(24)
    return token


async def check_csrf(request: web.Request, who: Visitor) -> dict[str, str]:
    """The form's fields, once its CSRF token matched the session's (else 403)."""
    form = {k: str(v) for k, v in (await request.post()).items()}
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
    who = await visitor(request)
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
    return Access(who, guild_id, found.guild_name, found.member, moderator)


async def moderator_access(request: web.Request, bus: BusClient) -> Access:
    """As ``member_access``, and 403 without Manage Server."""
    access = await member_access(request, bus)
    if not access.moderator:
        raise web.HTTPForbidden(text="This page is for moderators (Manage Server).")
    return access

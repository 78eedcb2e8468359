"""What a refusal looks like: a page with the site's navigation, what went wrong, and what
to do next. A visitor who meets an error is never left on a bare status line with no way
back: the page keeps the header of the server they were in (when the refusal came after
their access was checked) and offers the ways on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from services.web.access import ACCESS, VISITOR
from services.web.context import web_of

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TITLES = {
    400: "That did not work",
    403: "Not for you",
    404: "Nothing here",
    405: "Not like that",
    413: "Too much at once",
    503: "The bot is busy",
}
ADVICE = {
    400: "Something in the address or the form was not as expected: go back, choose again"
    " from the page's own menus, and try once more.",
    403: "Open your own page, or ask a moderator of the server if you think you should see"
    " this one.",
    404: "Check the address, or start again from your servers.",
    503: "Try again in a moment. If it lasts, an admin can look at the bot with"
    " squadtime-admin status.",
}
OTHER_ADVICE = "Go back and try again; if it keeps happening, tell the server's admins."


def ways_on(request: web.Request) -> list[tuple[str, str]]:
    """The links offered on an error page: the visitor's own page in the server they were
    in, then their servers (or the login page for someone not logged in)."""
    access = request.get(ACCESS)
    visitor = request.get(VISITOR)
    ways = []
    if access is not None:
        ways.append((f"/g/{access.guild_id}/me", "My page"))
    if access is not None or visitor is not None:
        ways.append(("/", "My servers"))
    else:
        ways.append(("/login", "Log in"))
    return ways


@web.middleware
async def pages_of_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals as a page with the navigation, their reason and what to do next."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "text/html":
            raise
        site = web_of(request)
        return site.page(
            "error.html",
            TITLES.get(error.status, error.reason),
            access=request.get(ACCESS),
            visitor=request.get(VISITOR),
            status=error.status,
            message=error.text,
            advice=ADVICE.get(error.status, OTHER_ADVICE),
            ways=ways_on(request),
        )

"""What a refusal looks like: a page with the site's navigation, what went wrong, and what
to do next. A visitor who meets an error is never left on a bare status line with no way
back: the page keeps the header of the server they were in (when the refusal came after
their access was checked) and offers the ways on.

An unexpected exception (a bug) is the same page with status 500: its traceback goes to the
web program's log, once, where the admin reads it with ``squadtime-admin logs web``; the
visitor is told what to do, never shown the traceback (it may name files, settings or other
members' data). A stream already under way (the live board's) cannot become a page: it
ends, and aiohttp logs the traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from services.web.access import ACCESS, VISITOR
from services.web.context import web_of

log = logging.getLogger(__name__)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TITLES = {
    400: "That did not work",
    403: "Not for you",
    404: "Nothing here",
    405: "Not like that",
    413: "Too much at once",
    500: "Something went wrong",
    503: "The bot is busy",
}
ADVICE = {
    400: "Something in the address or the form was not as expected: go back, choose again"
    " from the page's own menus, and try once more.",
    403: "Open your own page, or ask a moderator of the server if you think you should see"
    " this one.",
    404: "Check the address, or start again from your servers.",
    500: "Try again in a moment. If it happens again, an admin can read what went wrong"
    " with squadtime-admin logs web.",
    503: "Try again in a moment. If it lasts, an admin can look at the bot with"
    " squadtime-admin status.",
}
OTHER_ADVICE = "Go back and try again; if it keeps happening, tell the server's admins."
UNEXPECTED = "The dashboard failed to make this page: that is the bot's fault, not yours."


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
    """Refusals and unexpected errors as a page with the navigation, their reason and what
    to do next."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "text/html":
            raise
        title = TITLES.get(error.status, error.reason)
        return error_page(request, error.status, title, error.text or "")
    except ConnectionError:
        raise  # the browser left: nobody to show a page to
    except Exception:
        if request.writer.output_size:
            # A stream already under way (the live board): too late for a page in it, so
            # aiohttp ends the connection and logs the traceback itself.
            raise
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return error_page(request, 500, TITLES[500], UNEXPECTED)


def error_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    """The error page for ``status``, with the navigation the visitor had reached."""
    site = web_of(request)
    return site.page(
        "error.html",
        title,
        access=request.get(ACCESS),
        visitor=request.get(VISITOR),
        status=status,
        message=message,
        advice=ADVICE.get(status, OTHER_ADVICE),
        ways=ways_on(request),
    )

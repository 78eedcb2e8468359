"""Every answer's security headers, a policy that the pages keep, bodies that do not parse
answered 400 rather than 500, and a real 500 that is still a page with a way on."""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bus.endpoints import Endpoints
from bus.protocol import BoardReply
from services.web import moderator
from services.web.app import CSP
from tests.helpers import run
from tests.services.scheduler.support import world
from tests.services.web.support import browser, dashboard, log_in

TEMPLATES = Path(__file__).parents[3] / "services" / "web" / "templates"


def _secured(answer: aiohttp.ClientResponse) -> None:
    headers = answer.headers
    assert headers["Content-Security-Policy"] == CSP, answer.url
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


async def test_every_answer_carries_the_security_headers(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Pages, refusals, files, the live board's stream and aiohttp's own 404 all carry the
    policy, nosniff, the referrer policy and frame denial."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        for path in ("/login", "/nothing-here", "/static/site.css", "/static/board.js", "/"):
            async with http.get(f"{site.url}{path}", allow_redirects=False) as answer:
                _secured(answer)
        await log_in(http, site, w, w.town.admin)
        guild = f"{site.url}/g/{w.town.guild.id}"
        for path in ("board", "members", "sessions.csv", "graphs?days=0"):
            async with http.get(f"{guild}/{path}", allow_redirects=False) as answer:
                _secured(answer)
        async with http.get(f"{guild}/board/events") as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            _secured(stream)


def test_the_policy_needs_no_inline_script_or_style() -> None:
    """The templates hold no inline script, style or event handler, so that the policy's
    ``'self'`` only (no ``'unsafe-inline'``) leaves every page working."""
    assert "'unsafe-inline'" not in CSP
    assert "frame-ancestors 'none'" in CSP
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    for template in TEMPLATES.glob("*.html"):
        assert not inline.search(template.read_text()), template.name


async def test_the_graph_and_its_page_keep_the_one_policy(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The graphs page, its script and its SVG carry the same strict policy and deny framing:
    graph.js puts the SVG in the page (no ``<object>``, so no frame or object exception);
    the page keeps the ``<img>`` for a browser without JavaScript."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        await log_in(http, site, w, w.town.admin)
        guild = f"/g/{w.town.guild.id}"
        svg = f"{guild}/graphs/duos.svg?days=30&amp;member=0"
        async with http.get(f"{site.url}{guild}/graphs?graph=duos&days=30") as answer:
            assert answer.status == 200
            _secured(answer)
            page = await answer.text()
        assert f'<img class="graph" id="graph-image" src="{svg}"' in page
        assert '<script src="/static/graph.js" defer></script>' in page
        async with http.get(site.url + svg.replace("&amp;", "&")) as answer:
            assert answer.status == 200
            assert answer.content_type == "image/svg+xml"
            _secured(answer)
        async with http.get(f"{site.url}/static/graph.js") as answer:
            assert answer.status == 200
            assert answer.content_type == "text/javascript"
            _secured(answer)
        async with http.get(f"{site.url}{guild}/graphs?graph=week") as answer:
            assert "graph.js" not in await answer.text(), "no graph, nothing to put in"


def test_the_policy_allows_no_frames_and_no_objects() -> None:
    """Nothing is framed or embedded: ``object-src`` falls back to ``default-src 'none'``."""
    assert "default-src 'none'" in CSP
    assert "object-src" not in CSP
    assert "frame-src" not in CSP
    assert "child-src" not in CSP


MALFORMED = {
    "a multipart body without its end": (
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nv\r\n--xyz',
    ),
    "a multipart body that is not one": ("multipart/form-data; boundary=xyz", b"garbage"),
    "a multipart type without a boundary": ("multipart/form-data", b"--xyz\r\n"),
    "a part with a broken header line": (
        "multipart/form-data; boundary=xyz",
        b"--xyz\r\nBad header line\r\n\r\nv\r\n--xyz--\r\n",
    ),
    "a part in an unknown transfer encoding": (
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="csrf"\r\n'
        b"Content-Transfer-Encoding: zzz\r\n\r\nv\r\n--xyz--\r\n",
    ),
}


async def test_malformed_forms_are_400_not_500(endpoints: Endpoints, short_tmp: Path) -> None:
    """Each malformed body posted to a member's form or to the logout is a 400 with a
    reason, and the member is still logged in after."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        await log_in(http, site, w, w.town.alice)
        guild = f"{site.url}/g/{w.town.guild.id}"
        for what, (content_type, body) in MALFORMED.items():
            for path in (f"{guild}/me/reminders", f"{guild}/me/delete", f"{site.url}/logout"):
                async with http.post(
                    path, data=body, headers={"Content-Type": content_type}
                ) as answer:
                    assert answer.status == 400, (what, path, answer.status)
                    assert "could not be read" in await answer.text(), what
        async with http.get(f"{guild}/me", allow_redirects=False) as page:
            assert page.status == 200


def test_an_unexpected_error_is_a_page_with_the_navigation(
    endpoints: Endpoints,
    short_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A handler that fails unexpectedly answers the designed 500 page: the server's
    navigation, what to do (try again; the admin reads ``squadtime-admin logs web``), no
    traceback; the traceback is in the log, once."""

    async def broken(request: web.Request, guild_id: int) -> dict[int, str]:
        raise RuntimeError("a bug deep in the graphs page")

    monkeypatch.setattr(moderator, "_pickable", broken)

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
            await log_in(http, site, w, w.town.admin)
            guild = w.town.guild.id
            async with http.get(f"{site.url}/g/{guild}/graphs") as answer:
                assert answer.status == 500
                assert answer.content_type == "text/html"
                _secured(answer)
                page = await answer.text()
        assert "Something went wrong" in page
        assert "squadtime-admin logs web" in page
        for nav in ("nav-me", "nav-week", "nav-board", "nav-graphs", "nav-members"):
            assert f'id="{nav}"' in page, nav
        assert f'href="/g/{guild}/me"' in page
        assert "a bug deep" not in page
        assert "Traceback" not in page

    with caplog.at_level(logging.ERROR):
        run(scenario())
    logged = [r for r in caplog.records if r.exc_info and "a bug deep" in str(r.exc_info[1])]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert "/graphs" in logged[0].getMessage()
    assert "Traceback" in caplog.text


def test_a_stream_that_fails_ends_without_a_page_in_it(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live board's stream failing after its first event ends the stream: no error page
    is written into it (the browser would read it as events), and the dashboard still
    answers."""
    drawn = 0
    values = moderator._board_values

    def fails_the_second_time(board: BoardReply) -> dict[str, Any]:
        nonlocal drawn
        drawn += 1
        if drawn > 1:
            raise RuntimeError("a bug in the board's second drawing")
        return values(board)

    monkeypatch.setattr(moderator, "_board_values", fails_the_second_time)

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
            await w.configure(start=18, hours=4)
            await w.daily_posted()
            await log_in(http, site, w, w.town.admin)
            guild = f"{site.url}/g/{w.town.guild.id}"
            received = bytearray()
            async with http.get(f"{guild}/board/events") as stream:
                assert stream.status == 200
                with contextlib.suppress(aiohttp.ClientPayloadError):  # the stream cut short
                    async for chunk in stream.content.iter_any():  # until the server ends it
                        received += chunk
            assert b"event: board" in received
            assert b"Something went wrong" not in received
            async with http.get(f"{guild}/config") as page:
                assert page.status == 200

    run(scenario())

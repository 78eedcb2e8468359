"""Every answer's security headers, a policy that the pages keep, and bodies that do not
parse answered 400 rather than 500."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from bus.endpoints import Endpoints
from services.web.app import CSP
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

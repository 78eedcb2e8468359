"""Nobody sees what is not theirs: every route tried logged out, as the wrong member, in the
wrong guild, with a tampered or expired cookie, without its CSRF token, with bad input."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bus.endpoints import Endpoints
from services.web.app import COOKIE
from tests.services.scheduler.support import World, world
from tests.services.web.support import Dashboard, answers, browser, dashboard, log_in

MODERATOR_PAGES = (
    "board",
    "board/events",
    "graphs",
    "graphs/voice-time.png",
    "graphs/voice-time.svg",
    "members",
    "config",
    "sessions.csv",
)
MEMBER_PAGES = ("me", "week", "me/delete", "me/sessions.csv", "me/marks.csv")
FORMS = ("me/reminders", "me/nudges", "me/telemetry", "me/delete", "me/feed")


async def status(
    http: aiohttp.ClientSession, url: str, *, form: dict[str, str] | None = None
) -> tuple[int, str]:
    """The status of a GET (or, with ``form``, a POST), and where a redirect points."""
    if form is None:
        request = http.get(url, allow_redirects=False)
    else:
        request = http.post(url, data=form, allow_redirects=False)
    async with request as answer:
        return answer.status, answer.headers.get("Location", "")


async def test_logged_out_visitors_are_sent_to_the_login(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Every page and form without a session redirects to /login; the login page says how."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        guild = f"{site.url}/g/{w.town.guild.id}"
        for path in ("", *(f"g/{w.town.guild.id}/{p}" for p in MODERATOR_PAGES + MEMBER_PAGES)):
            assert await status(http, f"{site.url}/{path}") == (302, "/login"), path
        for path in FORMS:
            assert await status(http, f"{guild}/{path}", form={}) == (302, "/login"), path
        assert await status(http, f"{site.url}/logout", form={}) == (302, "/login")
        async with http.get(f"{site.url}/login") as page:
            assert "Log in with Discord" in await page.text()
        assert (await status(http, f"{site.url}/feed/nothing.ics"))[0] == 404


async def _for(http: aiohttp.ClientSession, site: Dashboard, w: World, path: str) -> int:
    return (await status(http, f"{site.url}/g/{w.town.guild.id}/{path}"))[0]


async def test_wrong_member_and_wrong_guild_get_403(endpoints: Endpoints, short_tmp: Path) -> None:
    """A plain member gets 403 on moderator pages and 200 on their own; anyone gets 403 in a
    guild they are not in; the admin sees everything of their guild."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        other = w.emu.driver.add_guild("Elsewhere", owner="stranger")
        async with browser() as bob:
            await log_in(bob, site, w, w.town.bob)
            for path in MODERATOR_PAGES:
                assert await _for(bob, site, w, path) == 403, path
            for path in MEMBER_PAGES:
                assert await _for(bob, site, w, path) == 200, path
            for path in MODERATOR_PAGES + MEMBER_PAGES:
                url = f"{site.url}/g/{other.id}/{path}"
                assert (await status(bob, url))[0] == 403, path
            async with bob.get(f"{site.url}/g/{w.town.guild.id}/members") as page:
                assert "for moderators" in await page.text()
        async with browser() as admin:
            await log_in(admin, site, w, w.town.admin)
            for path in ("board", "graphs", "members", "config", "sessions.csv", "me"):
                assert await _for(admin, site, w, path) == 200, path
            for path in MODERATOR_PAGES + MEMBER_PAGES:
                url = f"{site.url}/g/{other.id}/{path}"
                assert (await status(admin, url))[0] == 403, path


async def test_a_moderator_who_loses_manage_server_loses_the_pages(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Checked on every request from the bot's fresh facts, not at login only."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as admin:
        await log_in(admin, site, w, w.town.admin)
        assert await _for(admin, site, w, "members") == 200
        stream = await admin.get(f"{site.url}/g/{w.town.guild.id}/board/events")
        assert stream.status == 200
        w.emu.driver.set_roles(w.town.admin, [])
        async with asyncio.timeout(10):  # the open board stream ends too
            while await stream.content.readline():
                pass
        stream.release()

        async def refused() -> bool:
            return await _for(admin, site, w, "members") == 403

        await answers(refused, "the admin refused once demoted")
        assert await _for(admin, site, w, "me") == 200


async def test_tampered_or_expired_cookies_mean_logging_in_again(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A cookie changed by one character, older than the session's life, or made with the
    key but for no session telemetry opened, is no session."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        me = f"{site.url}/g/{w.town.guild.id}/me"
        async with browser() as http:
            await log_in(http, site, w, w.town.alice)
            assert (await status(http, me))[0] == 200
            cookie = next(c for c in http.cookie_jar if c.key == COOKIE)
            value = cookie.value
        flipped = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
        async with _with_cookie(flipped) as http:
            assert await status(http, me) == (302, "/login")
        key = Fernet((w.data / "web" / "web-session.key").read_bytes())
        payload = json.loads(key.decrypt(value))
        week_ago = int(time.time()) - 8 * 86_400
        old = key.encrypt_at_time(json.dumps(payload | {"created": week_ago}).encode(), week_ago)
        async with _with_cookie(old.decode()) as http:
            assert await status(http, me) == (302, "/login")
        forged = {"created": int(time.time()), "session": {"user_id": w.town.alice.user_id}}
        async with _with_cookie(key.encrypt(json.dumps(forged).encode()).decode()) as http:
            assert await status(http, me) == (302, "/login")  # the key alone opens nothing
        async with _with_cookie(key.encrypt(json.dumps(payload).encode()).decode()) as http:
            assert (await status(http, me))[0] == 200  # the same key: a real session


def _with_cookie(value: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookies={COOKIE: value}, timeout=aiohttp.ClientTimeout(total=10))


async def test_forms_without_their_csrf_token_are_refused(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Every form posted without (or with another) CSRF token is 403 and changes nothing."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        csrf = await log_in(http, site, w, w.town.alice)
        guild = f"{site.url}/g/{w.town.guild.id}"
        for path in FORMS:
            assert (await status(http, f"{guild}/{path}", form={"opt_out": "1"}))[0] == 403
            wrong = {"csrf": "x" * len(csrf), "opt_out": "1", "confirm": "yes"}
            assert (await status(http, f"{guild}/{path}", form=wrong))[0] == 403
        assert (await status(http, f"{site.url}/logout", form={}))[0] == 403
        async with http.get(f"{guild}/me") as page:
            assert 'id="telemetry-state">on' in await page.text()
        assert await status(http, f"{site.url}/logout", form={"csrf": csrf}) == (302, "/login")
        assert await status(http, f"{guild}/me") == (302, "/login")


async def test_bad_periods_and_members_are_400_with_a_reason(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """days=-1, days=abc, an unknown graph or member: 400 saying what is wrong."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        await log_in(http, site, w, w.town.admin)
        guild = f"{site.url}/g/{w.town.guild.id}"
        cases = {
            "graphs?days=-1": "from 1 to 365",
            "graphs?days=abc": "from 1 to 365",
            "graphs/duos.png?days=9999": "from 1 to 365",
            "sessions.csv?days=-1": "from 1 to 365",
            "graphs?graph=pie": "no graph called",
            "graphs/pie.png": "no graph called",
            "graphs/pie.svg": "no graph called",
            "graphs?graph=week&member=123": "not a member",
            "graphs/week.png?member=abc": "not a member",
            "graphs/week.png": "pick a member",
        }
        for path, reason in cases.items():
            async with http.get(f"{guild}/{path}", allow_redirects=False) as answer:
                assert answer.status == 400, path
                assert reason in await answer.text(), path
        async with http.get(f"{site.url}/g/abc/me", allow_redirects=False) as answer:
            assert answer.status == 400


def _cookie(http: aiohttp.ClientSession) -> str:
    return next(c for c in http.cookie_jar if c.key == COOKIE).value


async def test_a_copied_cookie_opens_nothing_after_logout(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice logs out; a copy of her cookie taken before then gets the login page."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        me = f"{site.url}/g/{w.town.guild.id}/me"
        csrf = await log_in(http, site, w, w.town.alice)
        copied = _cookie(http)
        async with _with_cookie(copied) as thief:
            assert (await status(thief, me))[0] == 200  # the copy works, until...
        assert await status(http, f"{site.url}/logout", form={"csrf": csrf}) == (302, "/login")
        async with _with_cookie(copied) as thief:
            assert await status(thief, me) == (302, "/login")
            assert await status(thief, f"{site.url}/") == (302, "/login")
            async with thief.get(f"{site.url}/login") as page:
                assert "Log in with Discord" in await page.text()


async def test_log_out_everywhere_ends_every_browser(endpoints: Endpoints, short_tmp: Path) -> None:
    """Alice logs out everywhere from her phone: her laptop's session ends too; Bob's does not."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        me = f"{site.url}/g/{w.town.guild.id}/me"
        async with browser() as phone, browser() as laptop, browser() as bob:
            csrf = await log_in(phone, site, w, w.town.alice)
            await log_in(laptop, site, w, w.town.alice)
            await log_in(bob, site, w, w.town.bob)
            assert (await status(laptop, me))[0] == 200
            async with phone.get(f"{site.url}/") as home:
                assert 'id="logout-everywhere"' in await home.text()
            everywhere = {"csrf": csrf, "everywhere": "1"}
            logout = f"{site.url}/logout"
            assert await status(phone, logout, form=everywhere) == (302, "/login")
            assert await status(laptop, me) == (302, "/login")
            assert await status(phone, me) == (302, "/login")
            assert (await status(bob, me))[0] == 200


async def test_a_member_of_200_servers_gets_a_small_cookie(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice is in 200 servers: her cookie stays under browsers' 4,096 bytes, and she is in."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        actions = w.emu.driver.actions
        for n in range(199):
            guild = w.emu.driver.add_guild(f"Server {n}", owner=f"owner {n}")
            actions.add_member(guild.id, w.town.alice.user_id)
        await log_in(http, site, w, w.town.alice)
        cookie = next(c for c in http.cookie_jar if c.key == COOKIE)
        # What a browser counts: the name, the value and the attributes (RFC 6265, 6.1).
        assert len(cookie.OutputString()) < 4096, len(cookie.OutputString())
        async with http.get(f"{site.url}/", allow_redirects=False) as home:
            assert home.status == 200
            assert f'href="/g/{w.town.guild.id}/me"' in await home.text()
        assert (await status(http, f"{site.url}/g/{w.town.guild.id}/me"))[0] == 200


async def test_forged_cookies_are_logged_once_per_interval(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """100 requests with forged cookies write at most two log lines, not 100."""
    caplog.set_level(logging.INFO)
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        me = f"{site.url}/g/{w.town.guild.id}/me"
        caplog.clear()
        for n in range(100):
            async with _with_cookie(f"gAAAAAforged{n}") as forger:
                assert await status(forger, me) == (302, "/login")
        lines = [r for r in caplog.records if "cookie" in r.getMessage().lower()]
        assert 1 <= len(lines) <= 2, [r.getMessage() for r in lines]

"""The dashboard in this process against the whole bot (``world``), and a member's browser
session logged in through the emulator's OAuth2 page."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bus.client import BusClient
from bus.protocol import MemberFacts, VoiceChanged, VoiceFacts
from emulator import Emulator
from emulator.rules.state import Member
from services.web.config import CALLBACK_PATH, WebConfig
from services.web.connections import ConnectionLimits, Gate
from services.web.context import Web
from services.web.service import URL_FILE, WebService
from tests.helpers import eventually, until_answered
from tests.services.inprocess import STEP, running
from tests.services.scheduler.support import World

# A bound on any one page: met at once on an idle machine; a graph drawn for the first time
# waits for telemetry's worker to import matplotlib, seconds on two loaded cores.
TIMEOUT = aiohttp.ClientTimeout(total=6 * STEP)


@dataclass
class Dashboard:
    """The running dashboard: its address and its shared parts."""

    url: str
    service: WebService

    @property
    def site(self) -> Web:
        assert self.service.site is not None
        return self.service.site

    @property
    def gate(self) -> Gate:
        assert self.service.gate is not None
        return self.service.gate


def web_config(w: World, data: Path, limits: ConnectionLimits | None = None) -> WebConfig:
    emu = w.emu
    return WebConfig(
        port=0,
        api_base=emu.api_url,
        client_id=str(emu.oauth.client_id),
        client_secret=emu.oauth.client_secret,
        session_key_file=data / "web-session.key",
        limits=limits or ConnectionLimits(),
    )


@contextlib.asynccontextmanager
async def dashboard(
    w: World, limits: ConnectionLimits | None = None, *, test_calendar: bool = False
) -> AsyncIterator[Dashboard]:
    """The web service on a free port, its callback registered with the emulator. Its
    calendar is the real clock, as telemetry's is in ``world`` (the scheduler's is the
    test's own), or with ``test_calendar`` the test's, for pages about the scheduler's
    today and the days after it. ``limits`` bound its connections (the program's own by
    default)."""
    data = w.data / "web"
    data.mkdir(exist_ok=True)
    service = WebService(web_config(w, data, limits), w.clock if test_calendar else None)
    async with running(service, w.endpoints, data):
        address = data / URL_FILE
        await eventually(address.exists, STEP, "the dashboard's address")
        url = address.read_text().strip()
        w.emu.oauth.redirect_uris.add(url + CALLBACK_PATH)
        yield Dashboard(url, service)


async def answers(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Ask the dashboard again until ``check`` is true (a fact another process changes)."""
    await until_answered(check, STEP, what)


def browser() -> aiohttp.ClientSession:
    """A client that keeps cookies for an IP address and does not follow redirects."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=TIMEOUT)


async def log_in(http: aiohttp.ClientSession, site: Dashboard, w: World, member: Member) -> str:
    """Log ``member`` in as a browser would; the CSRF token of their forms."""
    return await log_in_at(http, site.url, w.emu, member)


async def log_in_at(http: aiohttp.ClientSession, url: str, emu: Emulator, member: Member) -> str:
    """``log_in`` to the dashboard at ``url`` logging in with the emulator ``emu``."""
    async with http.get(f"{url}/login/discord", allow_redirects=False) as answer:
        assert answer.status == 302, answer.status
        authorize = urlsplit(answer.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    picked = query | {"user_id": str(member.user_id)}
    async with http.post(
        f"{emu.url}/oauth2/authorize", data=picked, allow_redirects=False
    ) as answer:
        assert answer.status == 302, await answer.text()
        back = answer.headers["Location"]
    async with http.get(back, allow_redirects=False) as answer:
        assert answer.status == 302, await answer.text()
    return await csrf_of(http, url)


async def csrf_of(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(f"{url}/", allow_redirects=False) as answer:
        text = await answer.text()
    marker = 'name="csrf" value="'
    assert marker in text, text
    return text.split(marker, 1)[1].split('"', 1)[0]


async def played(w: World, stays: list[tuple[Member, float, float]]) -> None:
    """Voice history, recorded as the gateway would have reported it: each member in the
    town's voice channel from ``start`` to ``end`` (unix seconds), then stored by telemetry."""
    peer = BusClient("gateway", w.endpoints)  # the gateway's topic; no requests served
    await peer.start(timeout=STEP)
    try:
        changes = [(start, m, 0, w.town.voice.id) for m, start, _ in stays]
        changes += [(end, m, w.town.voice.id, 0) for m, _, end in stays]
        for at, member, before, after in sorted(changes, key=lambda c: c[0]):
            facts = MemberFacts(
                user_id=member.user_id,
                display_name=w.emu.world.display_name(member.guild_id, member.user_id),
                avatar_url=default_avatar(member.user_id),
            )
            peer.record(
                VoiceChanged(
                    guild_id=member.guild_id,
                    member=facts,
                    before_channel_id=before,
                    after=VoiceFacts(user_id=member.user_id, channel_id=after),
                    at=at,
                )
            )
        await eventually(lambda: peer.unacked == 0, STEP, "telemetry to store the voice history")
    finally:
        await peer.close()


def default_avatar(user_id: int) -> str:
    """The avatar nextcord names for a user without one of their own, as the gateway would."""
    return f"https://cdn.discordapp.com/embed/avatars/{(user_id >> 22) % 6}.png"

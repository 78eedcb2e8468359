"""The dashboard as people see it, in Debian's headless Chromium: every page, as the admin
and as a member, at a desktop's and a phone's width, in the light and the dark theme. No
page scrolls sideways, none logs a console error, axe-core finds no serious or critical
accessibility violation, and a page weighs under 150 KB before its graph. Screenshots of
each are saved under the test's ``tmp_path``.

One browser and one community serve every page: starting them is most of the time."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    Response,
    async_playwright,
    expect,
)

from bus.endpoints import Endpoints
from services.scheduler.commands.schedule import day_id, hours_id
from tests.services.scheduler.support import World, world
from tests.services.web.support import Dashboard, dashboard, played
from tests.services.web.support import browser as http_browser
from tests.services.web.support import log_in as http_log_in
from tests.services.web.test_browser import CHROMIUM, WAIT_MS, log_in

WIDTHS = {"desktop": 1280, "phone": 390}
SCHEMES: tuple[Literal["light"], Literal["dark"]] = ("light", "dark")
MOST_BYTES = 150_000
BLOCKING = frozenset({"serious", "critical"})
B = "🇧"
LA = "America/Los_Angeles"


@dataclass(frozen=True, slots=True)
class Visit:
    """A page to look at: its name (for the screenshot), its path, and its status."""

    name: str
    path: str
    status: int = 200


@dataclass
class Findings:
    """What the pages showed that they should not, and what each weighed."""

    problems: list[str] = field(default_factory=list)
    weights: dict[str, int] = field(default_factory=dict)


def admin_visits(guild_id: int) -> list[Visit]:
    g = f"/g/{guild_id}"
    return [
        Visit("home", "/"),
        Visit("me", f"{g}/me"),
        Visit("week", f"{g}/week"),
        Visit("delete", f"{g}/me/delete"),
        Visit("board", f"{g}/board"),
        Visit("graphs", f"{g}/graphs"),
        Visit("graphs-week-nobody", f"{g}/graphs?graph=week&days=84&member="),
        Visit("members", f"{g}/members"),
        Visit("config", f"{g}/config"),
        Visit("bad-period", f"{g}/sessions.csv?days=9999", 400),
    ]


def member_visits(guild_id: int) -> list[Visit]:
    g = f"/g/{guild_id}"
    return [
        Visit("home", "/"),
        Visit("me", f"{g}/me"),
        Visit("week", f"{g}/week"),
        Visit("delete", f"{g}/me/delete"),
        Visit("refused", f"{g}/members", 403),
    ]


@pytest.mark.within(260)
@pytest.mark.slow
@pytest.mark.timeout(270)  # 65 page views, each checked by axe
async def test_every_page_reads_well_everywhere(
    endpoints: Endpoints, short_tmp: Path, tmp_path: Path
) -> None:
    """Every page, both roles, both widths, both themes: no sideways scrolling, no console
    error, no serious axe violation, under 150 KB; names, not ids; the board redraws its
    day by itself; the week ahead reads in a Los Angeles member's time; the theme switch is
    remembered."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        await community_with_names(w)
        await names_not_ids(w, site)
        planned = await plan_the_week(w)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox"]
            )
            try:
                await every_page(browser, site, w, tmp_path)
                await board_follows_the_day(browser, site, w, tmp_path)
                await week_in_los_angeles(browser, site, w, planned, tmp_path)
                await theme_is_remembered(browser, site, w)
            finally:
                await browser.close()


async def community_with_names(w: World) -> None:
    """A configured day with clicks, a counted voice channel, a rank, and voice history."""
    town = w.town
    await w.configure(start=18, hours=4)
    await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
    await w.say(town.admin, "config rank", role=town.admins.id, emoji="👑")
    posted = await w.daily_posted()
    await w.emu.driver.react(town.alice, posted.id, B)
    now = time.time()  # telemetry's calendar, and the dashboard's, are the real clock here
    await played(w, [(town.alice, now - 7200, now - 3600), (town.bob, now - 7000, now - 3600)])


async def names_not_ids(w: World, site: Dashboard) -> None:
    """Configuration names the channels and the role; the CSV names members and channels."""
    town = w.town
    async with http_browser() as http:
        await http_log_in(http, site, w, town.admin)
        async with http.get(f"{site.url}/g/{town.guild.id}/config") as answer:
            page = await answer.text()
        assert "#general" in page
        assert "🔊 Lobby" in page
        assert "👑 @Admins" in page
        assert str(town.text.id) not in page
        assert str(town.admins.id) not in page
        async with http.get(f"{site.url}/g/{town.guild.id}/sessions.csv?days=7") as answer:
            rows = list(csv.DictReader(io.StringIO(await answer.text())))
    assert {(r["member"], r["channel"]) for r in rows} == {("Alice", "Lobby"), ("bob", "Lobby")}
    assert {r["channel_id"] for r in rows} == {str(town.voice.id)}


async def plan_the_week(w: World) -> date:
    """Alice (on the community's clock, Paris) usually plays at 21:00 on the weekday two
    days from now; bob reads in Los Angeles. The community date of that hour is returned.

    The dashboard's calendar is the real clock here (the scheduler's is the test's), so the
    day is chosen from the real date: two days ahead is always inside the next 7, and never
    already over."""
    town = w.town
    await w.say(town.bob, "timezone set", zone=LA)
    day = datetime.now(ZoneInfo(LA)).date() + timedelta(days=2)
    editor = (await w.slash(town.alice, "schedule edit")).message
    assert editor is not None
    await w.emu.driver.select(town.alice, editor.id, day_id(), [str(day.weekday())])
    await w.emu.driver.select(town.alice, editor.id, hours_id(day.weekday()), ["21"])
    shown = await w.say(town.alice, "schedule show")
    assert "21:00" in shown, shown
    return day


async def week_in_los_angeles(
    browser: Browser, site: Dashboard, w: World, day: date, shots: Path
) -> None:
    """bob, in Los Angeles, sees Alice's 21:00 in Paris at the hour and on the date it is
    for him, named in the hour's list, and on no other date."""
    paris = datetime(day.year, day.month, day.day, 21, tzinfo=ZoneInfo("Europe/Paris"))
    at = paris.astimezone(ZoneInfo(LA))
    page = await log_in(browser, site, w.town.bob)
    await page.goto(f"{site.url}/g/{w.town.guild.id}/week")
    await expect(page.locator("#week-zone")).to_contain_text(LA)
    cell = page.locator(f"#heatmap tr[data-hour='{at:%H}:00'] td[data-date='{at.date()}']")
    await expect(cell).to_have_attribute("data-count", "1")
    await expect(cell.locator("a")).to_have_attribute("title", "Alice")
    entry = page.locator(f"#c-{at.date()}-{at:%H}00")
    await expect(entry).to_contain_text("Alice")
    await expect(page.locator("#who .player")).to_have_count(1)
    await cell.locator("a").click()
    await expect(entry).to_be_in_viewport()
    await page.screenshot(path=shots / "week-los-angeles.png", full_page=True)
    await page.context.close()


async def every_page(browser: Browser, site: Dashboard, w: World, shots: Path) -> None:
    findings = Findings()
    guild_id = w.town.guild.id
    for who, member, visits in (
        ("admin", w.town.admin, admin_visits(guild_id)),
        ("member", w.town.bob, member_visits(guild_id)),
    ):
        first = await log_in(browser, site, member)
        state = await first.context.storage_state()
        await first.context.close()
        for width_name, width in WIDTHS.items():
            for scheme in SCHEMES:
                context = await browser.new_context(
                    viewport={"width": width, "height": 900},
                    color_scheme=scheme,
                    storage_state=state,
                )
                context.set_default_timeout(WAIT_MS)
                try:
                    for visit in visits:
                        label = f"{who}-{visit.name}-{width_name}-{scheme}"
                        await look_at(context, site, visit, label, shots, findings)
                finally:
                    await context.close()
    logged_out = await browser.new_context(viewport={"width": 390, "height": 900})
    try:
        await look_at(logged_out, site, Visit("login", "/login"), "login-phone", shots, findings)
    finally:
        await logged_out.close()
    (shots / "weights.json").write_text(json.dumps(findings.weights, indent=1))
    assert not findings.problems, "\n".join(findings.problems)


async def look_at(
    context: BrowserContext,
    site: Dashboard,
    visit: Visit,
    label: str,
    shots: Path,
    f: Findings,
) -> None:
    """One page: its status, its width, its console, its weight and its accessibility."""
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    weight = Weight()
    page.on("response", weight.add)
    answer = await page.goto(site.url + visit.path)
    assert answer is not None
    await page.wait_for_load_state("load")
    if await page.locator("#graph-image").count():
        # Checked as graph.js leaves it: the graph's SVG in the page, titles and all.
        await expect(page.locator("#graph-svg")).to_be_attached()
    if answer.status != visit.status:
        f.problems.append(f"{label}: status {answer.status}, not {visit.status}")
    if visit.status != 200:  # the browser reports the refused document itself
        errors = [e for e in errors if f"status of {visit.status}" not in e]
    wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 0:
        f.problems.append(f"{label}: scrolls sideways by {wide} px")
    if errors:
        f.problems.append(f"{label}: console errors {errors}")
    await accessible(page, label, f)
    await page.screenshot(path=shots / f"{label}.png", full_page=True)
    f.weights[label] = await weight.total()
    if f.weights[label] > MOST_BYTES:
        f.problems.append(f"{label}: weighs {f.weights[label]} bytes")
    await page.close()


async def accessible(page: Page, label: str, f: Findings) -> None:
    """axe-core's serious and critical violations on the page, as problems."""
    results = await Axe().run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [node["target"] for node in violation["nodes"]][:3]
            f.problems.append(f"{label}: axe {violation['id']} ({violation['impact']}) {targets}")


class Weight:
    """The bytes a page brought, its graph and its event stream left out."""

    def __init__(self) -> None:
        self._responses: list[Response] = []

    def add(self, response: Response) -> None:
        if "/graphs/" not in response.url and not response.url.endswith("/board/events"):
            self._responses.append(response)

    async def total(self) -> int:
        total = 0
        for response in self._responses:
            try:
                total += len(await response.body())
            except Error:  # a redirect has no body to count
                continue
        return total


async def board_follows_the_day(browser: Browser, site: Dashboard, w: World, shots: Path) -> None:
    """The next day's post redraws the board's day line through the stream, without a
    reload; leaving the board then logs no error."""
    page = await log_in(browser, site, w.town.admin)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(f"{site.url}/g/{w.town.guild.id}/board")
    await expect(page.locator("#live")).to_have_text("live")
    await expect(page.locator("#board-day")).to_contain_text("Tuesday 10 March 2026")
    await expect(page.locator("#board-day")).to_contain_text("Europe/Paris")
    alice = page.locator(f"tr[data-hour='19'] .how-reaction [data-user='{w.town.alice.user_id}']")
    await expect(alice).to_have_text("Alice")
    await expect(page.locator("tr[data-hour='19'] .mark").first).to_have_text("👍")
    await page.evaluate("window.stayed = true")
    w.clock.advance(24 * 3600)  # Wednesday, after the post time: the next message is posted
    await expect(page.locator("#board-day")).to_contain_text("Wednesday 11 March 2026")
    assert await page.evaluate("window.stayed === true"), "the page was reloaded"
    await page.screenshot(path=shots / "board-next-day.png")
    await page.click("#nav-me")
    await expect(page.locator("h1")).to_have_text("My page")
    assert not errors, errors
    await page.context.close()


async def theme_is_remembered(browser: Browser, site: Dashboard, w: World) -> None:
    """The switch turns a light page dark, and the choice outlives a reload."""
    page = await log_in(browser, site, w.town.alice)
    switch = page.locator("#theme")
    await expect(switch).to_have_attribute("aria-pressed", "false")
    await switch.click()
    await expect(switch).to_have_attribute("aria-pressed", "true")
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(49, 51, 56)", background
    await page.context.close()

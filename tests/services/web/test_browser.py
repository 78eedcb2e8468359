"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright (never a
browser downloaded at run time), logging in through the emulator's OAuth2 page."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from bus.endpoints import Endpoints
from emulator.rules.state import Member
from services.telemetry.analytics.charts import GraphKind
from tests.services.scheduler.support import World, world
from tests.services.web.support import Dashboard, dashboard, played

CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by ./dev test
# Every wait in a browser test: an action's and an assertion's alike (``expect`` keeps its own
# default of 5 s otherwise). A click that crosses the emulator, the gateway, the bus, the
# scheduler and the event stream shares two loaded cores with Chromium in CI, and the first
# graph waits for telemetry to import matplotlib.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)
B = "🇧"
HOUR = 3600
DESKTOP, PHONE = 1280, 390
SVG_NS = "http://www.w3.org/2000/svg"
SVG_ROUTE = re.compile(r"/graphs/[a-z-]+\.svg\?")


async def log_in(browser: Browser, site: Dashboard, member: Member) -> Page:
    """A fresh browser profile, logged in as ``member`` through the emulator's OAuth page."""
    context = await browser.new_context()
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    await page.goto(f"{site.url}/")
    await expect(page).to_have_url(f"{site.url}/login")
    await page.click("#login")
    await page.click(f"button[data-user='{member.user_id}']")
    await expect(page.locator("h1")).to_have_text("Your servers")
    return page


@pytest.mark.within(100)
@pytest.mark.slow
async def test_moderator_and_member_in_a_browser(
    endpoints: Endpoints, short_tmp: Path, tmp_path: Path
) -> None:
    """The admin watches the board change as Alice clicks and browses the graphs; Bob is
    refused the moderators' pages and takes his own exports and calendar."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox"]
            )
            try:
                await as_admin(browser, site, w, posted.id, tmp_path)
                await as_member(browser, site, w, posted.id, tmp_path)
            finally:
                await browser.close()


async def as_admin(
    browser: Browser, site: Dashboard, w: World, message_id: int, shots: Path
) -> None:
    page = await log_in(browser, site, w.town.admin)
    await page.click("a.guild")
    await page.click("#nav-board")
    await expect(page.locator("#live")).to_have_text("live")
    alice = page.locator(f"tr[data-hour='19'] [data-user='{w.town.alice.user_id}']")
    await expect(alice).to_have_count(0)
    await page.screenshot(path=shots / "board-before.png")
    await w.emu.driver.react(w.town.alice, message_id, B)
    await expect(alice).to_have_text("Alice")  # no reload: the event stream brought it
    await page.screenshot(path=shots / "board-after.png")
    await played_together(w)
    refused: list[str] = []  # what the policy blocks in the SVG put in the page, say
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    await page.click("#nav-graphs")
    # The page opens on its first graph's own period; the period shown then stays as the
    # graph changes (it is the form's choice, not the graph's).
    days = GraphKind.DUOS.default_days
    for graph in ("duos", "weekdays"):
        await page.select_option("#graph", graph)
        await page.click("#show")
        await expect_graph(page, f"/g/{w.town.guild.id}/graphs/{graph}.svg?days={days}&member=0")
        await page.screenshot(path=shots / f"graph-{graph}.png")
    await page.select_option("#days", "7")
    await page.click("#show")
    await expect_graph(page, f"/g/{w.town.guild.id}/graphs/weekdays.svg?days=7&member=0")
    await page.screenshot(path=shots / "graph-weekdays-7.png")
    graphs = f"{site.url}/g/{w.town.guild.id}/graphs?graph=duos"
    await values_under_the_pointer(page, graphs, w, shots)
    assert not refused, refused
    await graphs_without_javascript(browser, page, graphs)
    await bad_answers_keep_the_image(page, graphs)
    await page.click("#nav-members")
    await expect(page.locator("#members")).to_contain_text("Alice")
    await page.context.close()


async def played_together(w: World) -> None:
    """Alice two hours in voice, Bob the second of them with her: the pair's one hour."""
    now = time.time()  # telemetry's calendar is the real clock here
    await played(
        w, [(w.town.alice, now - 3 * HOUR, now - HOUR), (w.town.bob, now - 2 * HOUR, now - HOUR)]
    )


async def expect_graph(page: Page, src: str) -> None:
    """The graph at ``src`` drawn in the page itself: graph.js has put its SVG in place of the
    image once the image loaded."""
    await expect(page.locator("#graph-svg")).to_have_attribute("data-src", src)
    await expect(page.locator("#graph-image")).to_have_count(0)


async def values_under_the_pointer(page: Page, graphs: str, w: World, shots: Path) -> None:
    """On the duos graph, at a desktop's width and a phone's, the pair's bar is the element
    under the pointer, and it is titled with its exact hours: the tooltip a browser shows."""
    alice = w.emu.world.display_name(w.town.guild.id, w.town.alice.user_id)
    bob = w.emu.world.display_name(w.town.guild.id, w.town.bob.user_id)
    wanted = f"{alice} & {bob}: 1.00 h together"
    for width in (DESKTOP, PHONE):
        await page.set_viewport_size({"width": width, "height": 900})
        await page.goto(graphs)
        await expect(page.locator("#graph-svg")).to_be_attached()
        bar = page.locator("#graph-svg g").filter(
            has=page.locator(":scope > title", has_text=wanted)
        )
        await expect(bar).to_have_count(1)
        box = await bar.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        await page.mouse.move(x, y)
        under = await page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)"
            ".closest('g:has(> title)').querySelector(':scope > title').textContent",
            [x, y],
        )
        assert under == wanted, width
        frame = await page.locator("#graph-svg").bounding_box()
        assert frame is not None
        assert frame["width"] <= width, (width, frame)  # the graph fits the card
        wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (width, wide)
        await page.screenshot(path=shots / f"graph-duos-{width}.png", full_page=True)


async def graphs_without_javascript(browser: Browser, page: Page, graphs: str) -> None:
    """With JavaScript off, the graph is the image, loaded, and its link opens the SVG."""
    context = await browser.new_context(
        java_script_enabled=False, storage_state=await page.context.storage_state()
    )
    context.set_default_timeout(WAIT_MS)
    try:
        bare = await context.new_page()
        await bare.goto(graphs)
        await bare.wait_for_load_state("load")  # the images are in by then
        image = bare.locator("#graph-image")
        await expect(image).to_be_visible()
        assert await image.evaluate("i => i.complete && i.naturalWidth") > 0
        await expect(bare.locator("#graph-svg")).to_have_count(0)
        await expect(bare.locator("#graph-link")).to_have_attribute(
            "href", await image.get_attribute("src") or "?"
        )
    finally:
        await context.close()


BAD_SVG_ANSWERS = {
    "an error": (503, "text/plain", "The graph could not be drawn"),
    "not an SVG": (200, "text/html", "<p>a login page</p>"),
    "malformed XML": (200, "image/svg+xml", f'<svg xmlns="{SVG_NS}"><g>'),
    "XML that is no SVG": (200, "image/svg+xml", '<html xmlns="http://www.w3.org/1999/xhtml"/>'),
}


def spoiled(status: int, kind: str, body: str) -> Callable[[Route], Awaitable[None]]:
    """A route handler answering graph.js's read of the SVG with this answer; the <img>'s
    own request gets the real graph."""

    async def spoil(route: Route) -> None:
        if route.request.resource_type == "fetch":
            await route.fulfill(status=status, content_type=kind, body=body)
        else:
            await route.continue_()

    return spoil


async def bad_answers_keep_the_image(page: Page, graphs: str) -> None:
    """When the SVG read again by graph.js is an error or no SVG, the image stays, loaded,
    marked as having its titles behind its link, and nothing broken is put in the page."""
    for case, answer in BAD_SVG_ANSWERS.items():
        spoil = spoiled(*answer)
        await page.route(SVG_ROUTE, spoil)
        try:
            await page.goto(graphs)
            await expect(page.locator("#graph-image")).to_have_attribute(
                "data-hover", "link", timeout=WAIT_MS
            )
            await expect(page.locator("#graph-svg")).to_have_count(0)
            assert await page.locator("#graph-image").evaluate("i => i.naturalWidth") > 0, case
        finally:
            await page.unroute(SVG_ROUTE, spoil)


async def as_member(
    browser: Browser, site: Dashboard, w: World, message_id: int, shots: Path
) -> None:
    bob = w.town.bob
    await w.emu.driver.react(bob, message_id, B)
    page = await log_in(browser, site, bob)
    await expect(page.locator("#nav-board")).to_have_count(0)
    refused = await page.goto(f"{site.url}/g/{w.town.guild.id}/members")
    assert refused is not None
    assert refused.status == 403
    await expect(page.locator("#error")).to_contain_text("moderators")
    await page.screenshot(path=shots / "member-refused.png")
    await page.goto(f"{site.url}/g/{w.town.guild.id}/me")
    await expect(page.locator("#telemetry-state")).to_have_text("on")
    await page.click("#reminders")
    await expect(page.locator("#reminders-state")).to_have_text("on")
    await page.screenshot(path=shots / "member-page.png")
    async with page.expect_download() as download:
        await page.click("#my-sessions")
    saved = shots / "my-voice-sessions.csv"
    await (await download.value).save_as(saved)
    assert saved.read_text().startswith("user_id,member,channel_id,channel,start_utc")
    feed = await page.get_attribute("#feed", "href")
    assert feed is not None
    answer = await page.context.request.get(feed)
    assert answer.ok
    events = Calendar.from_ical(await answer.body()).walk("VEVENT")
    assert datetime(2026, 3, 10, 18, tzinfo=UTC) in {e.decoded("dtstart") for e in events}
    (shots / "bob.ics").write_bytes(await answer.body())
    await page.context.close()

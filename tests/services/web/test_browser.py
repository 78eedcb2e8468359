"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright (never a
browser downloaded at run time), logging in through the emulator's OAuth2 page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Page, async_playwright, expect

from bus.endpoints import Endpoints
from bus.protocol import GRAPH_DEFAULT_DAYS
from emulator.state import Member
from tests.helpers import run
from tests.services.scheduler.support import World, world
from tests.services.web.support import Dashboard, dashboard

CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by ./dev test
# Every wait in a browser test: an action's and an assertion's alike (``expect`` keeps its own
# default of 5 s otherwise). A click that crosses the emulator, the gateway, the bus, the
# scheduler and the event stream shares two loaded cores with Chromium in CI.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)
B = "🇧"


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


@pytest.mark.slow
def test_moderator_and_member_in_a_browser(
    endpoints: Endpoints, short_tmp: Path, tmp_path: Path
) -> None:
    """The admin watches the board change as Alice clicks and browses the graphs; Bob is
    refused the moderators' pages and takes his own exports and calendar."""

    async def scenario() -> None:
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

    run(scenario(), timeout=100)


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
    await page.click("#nav-graphs")
    # The page opens on its first graph's own period; the period shown then stays as the
    # graph changes (it is the form's choice, not the graph's).
    days = GRAPH_DEFAULT_DAYS["duos"]
    for graph in ("duos", "weekdays"):
        await page.select_option("#graph", graph)
        await page.click("#show")
        image = page.locator("#graph-image")
        await expect(image).to_have_attribute(
            "src",
            f"/g/{w.town.guild.id}/graphs/{graph}.svg?days={days}&member=0",
        )
        await expect_image_loaded(page)
        await page.screenshot(path=shots / f"graph-{graph}.png")
    await page.select_option("#days", "7")
    await page.click("#show")
    await expect(page.locator("#graph-image")).to_have_attribute(
        "src", f"/g/{w.town.guild.id}/graphs/weekdays.svg?days=7&member=0"
    )
    await expect_image_loaded(page)
    await page.screenshot(path=shots / "graph-weekdays-7.png")
    await page.click("#nav-members")
    await expect(page.locator("#members")).to_contain_text("Alice")
    await page.context.close()


async def expect_image_loaded(page: Page) -> None:
    await page.wait_for_function(
        "() => { const i = document.getElementById('graph-image');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )


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

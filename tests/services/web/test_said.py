"""What members say in Discord — "maybe" for today's hours, away on given days — as the
dashboard shows it, end to end: the real gateway's nextcord client, telemetry, the
scheduler and the dashboard against the emulator. The dashboard reads on the test's
calendar: Tuesday 10 March 2026, 17:30 in Paris, hours 18:00 to 21:00."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import aiohttp
from icalendar import Calendar

from bus.endpoints import Endpoints
from emulator.rules.state import Member
from services.scheduler.commands.plan import pick_id as plan_id
from services.scheduler.commands.schedule import day_id, hours_id
from services.scheduler.daily import MAYBE_BUTTON
from services.scheduler.maybe import pick_id
from tests.services.scheduler.support import World, world
from tests.services.web.support import browser, dashboard, log_in

TODAY = date(2026, 3, 10)
TUESDAY, SATURDAY = "2026-03-10", "2026-03-14"


async def _usual(w: World, member: Member, weekday: int, hour: int) -> None:
    """Save ``hour`` as the member's usual hour on ``weekday`` (community time)."""
    editor = (await w.slash(member, "schedule edit")).message
    assert editor is not None
    await w.emu.driver.select(member, editor.id, day_id(), [str(weekday)])
    await w.emu.driver.select(member, editor.id, hours_id(weekday), [str(hour)])


async def _maybe(w: World, member: Member, hour: int) -> None:
    """Say maybe for today's ``hour`` from the daily message's button."""
    opened = await w.emu.driver.click(member, w.posted().id, MAYBE_BUTTON)
    assert opened.message is not None
    picked = await w.emu.driver.select(member, opened.message.id, pick_id(TODAY), [str(hour)])
    assert picked.message is not None


async def _page(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as page:
        assert page.status == 200, url
        return await page.text()


def _hour(page: str, day: str, hour: str) -> str:
    """The week ahead's hour-by-hour entry of ``day`` at ``hour`` ("2100"); "" when absent."""
    found = page.split(f'id="c-{day}-{hour}"', 1)
    return found[1].split("</ul></li>", 1)[0] if len(found) == 2 else ""


def _row(page: str, hour: int) -> str:
    """The live board's row of ``hour``."""
    return page.split(f'data-hour="{hour}"', 1)[1].split("</tr>", 1)[0]


async def test_maybes_and_absences_show_where_members_read(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice usually plays Tuesdays and Saturdays at 20:00, bob Saturdays at 20:00 but is
    away Saturday 14 March, and says maybe for today's 21:00. The week ahead lists Alice
    alone on Saturday, and today's 21:00 with "+ 1 maybe" and bob ❔, counted as nobody;
    the live board shows bob's maybe apart from who is in. bob's page lists his absence and
    how to take it back, and his calendar feed has his usual Saturday 20:00 on the 21st, not
    on the 14th."""
    async with world(endpoints, short_tmp) as w:
        town = w.town
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        for member, weekday in ((town.alice, 1), (town.alice, 5), (town.bob, 5)):
            await _usual(w, member, weekday, 20)
        await w.say(town.bob, "away set", **{"from": SATURDAY, "until": SATURDAY})
        await _maybe(w, town.bob, 21)
        await w.daily_says("+ 1 maybe")
        async with dashboard(w, test_calendar=True) as site, browser() as http:
            await log_in(http, site, w, town.admin)
            guild = f"{site.url}/g/{town.guild.id}"
            week = await _page(http, f"{guild}/week")
            assert "Alice" in _hour(week, TUESDAY, "2000")
            late = _hour(week, TUESDAY, "2100")
            assert '<span class="count">0</span> <span class="maybe-count">+ 1 maybe</span>' in late
            assert f'data-maybe="{town.bob.user_id}">bob <span' in late
            assert 'aria-label="maybe" title="maybe">❔' in late
            assert 'data-count="0" data-maybe="1"' in week  # its square: nobody in
            assert "<li>❔ maybe</li>" in week  # the legend
            saturday = _hour(week, SATURDAY, "2000")
            assert "Alice" in saturday
            assert "bob" not in saturday
            board_page = await _page(http, f"{guild}/board")
            assert '<span aria-hidden="true">❔</span> maybe</li>' in board_page
            board = _row(board_page, 21)
            assert '<td class="num count" data-label="In">0 <span class="maybe-count">' in board
            assert f'data-maybe="{town.bob.user_id}">bob</span>' in board
            assert f'data-user="{town.bob.user_id}"' not in board
            async with browser() as bobs:
                await log_in(bobs, site, w, town.bob)
                mine = await _page(bobs, f"{guild}/me")
                away = mine.split('id="away"', 1)[1].split("</section>", 1)[0]
                assert "<li>🏖️ Saturday 14 March 2026 (Europe/Paris)</li>" in away
                assert "<code>/away cancel</code> in Discord" in away
                feed = mine.split('id="feed">', 1)[1].split("<", 1)[0]
                async with bobs.get(feed) as answer:
                    events = Calendar.from_ical(await answer.read()).walk("VEVENT")
                starts = {e.decoded("dtstart") for e in events}
                assert datetime(2026, 3, 21, 19, tzinfo=UTC) in starts  # 20:00 in Paris
                assert datetime(2026, 3, 14, 19, tzinfo=UTC) not in starts


async def test_planned_hours_count_in_the_week_ahead(endpoints: Endpoints, short_tmp: Path) -> None:
    """bob plans Saturday 14 March's 21:00 with /plan: the week ahead lists him in it,
    marked as a click, and in no other hour of that day."""
    async with world(endpoints, short_tmp) as w:
        town = w.town
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        opened = await w.slash(town.bob, "plan set", {"day": SATURDAY})
        assert opened.message is not None
        start = str(int(datetime(2026, 3, 14, 20, tzinfo=UTC).timestamp()))  # 21:00 in Paris
        day = date.fromisoformat(SATURDAY)
        await w.emu.driver.select(town.bob, opened.message.id, plan_id(day, ""), [start])
        async with dashboard(w, test_calendar=True) as site, browser() as http:
            await log_in(http, site, w, town.admin)
            week = await _page(http, f"{site.url}/g/{town.guild.id}/week")
            planned = _hour(week, SATURDAY, "2100")
            assert f'data-user="{town.bob.user_id}"' in planned
            assert 'aria-label="reacted" title="reacted">👍' in planned
            assert "bob" not in _hour(week, SATURDAY, "2000")

"""What moderators and members see and take away: the live board, graphs, the members
table, the switches, deleting one's data, the CSV exports and the calendar feed."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar

from bus.endpoints import Endpoints
from bus.protocol import MemberSchedule, SchedulesReply, SetSchedule, WeeklySlot
from emulator.state import Member
from services.telemetry.analytics.charts import GraphKind
from services.telemetry.analytics.export import GUILD_GRAPHS
from tests.services.inprocess import STEP
from tests.services.scheduler.support import World, world
from tests.services.web.support import Dashboard, answers, browser, dashboard, log_in, played

PNG = b"\x89PNG\r\n\x1a\n"
B = "🇧"  # the second hour of the window: 19:00


async def _events(answer: aiohttp.ClientResponse) -> str:
    """The data of the next ``board`` server-sent event."""
    async with asyncio.timeout(STEP):
        event = ""
        while True:
            line = (await answer.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "board":
                found: str = json.loads(line.removeprefix("data: "))
                return found


async def test_the_board_changes_when_a_member_clicks(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The moderator's open board shows Alice under 19:00 once she clicks, without reloading."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await log_in(http, site, w, w.town.admin)
        guild = f"{site.url}/g/{w.town.guild.id}"
        async with http.get(f"{guild}/board") as page:
            assert 'src="/static/board.js"' in await page.text()
        async with http.get(f"{site.url}/static/board.js") as script:
            assert "EventSource" in await script.text()
        async with http.get(f"{guild}/board/events") as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            first = await _events(stream)
            assert f'data-user="{w.town.alice.user_id}"' not in first
            await w.emu.driver.react(w.town.alice, posted.id, B)
            changed = await _events(stream)
            row = changed.split('data-hour="19"', 1)[1].split("</tr>", 1)[0]
            assert f'data-user="{w.town.alice.user_id}"' in row
            assert "Alice" in row


async def _drawn_again_only_when_asked_differently(
    site: Dashboard, http: aiohttp.ClientSession, guild: str
) -> None:
    """The duos graph already drawn for 7 days is not drawn again; 28 days or SVG are."""
    drawn = site.site.graphs.drawn
    async with http.get(f"{guild}/graphs/duos.png?days=7") as answer:
        assert (await answer.read()).startswith(PNG)
    assert site.site.graphs.drawn == drawn, "the same data is not drawn twice"
    async with http.get(f"{guild}/graphs/duos.png?days=28") as answer:
        assert (await answer.read()).startswith(PNG)
    assert site.site.graphs.drawn == drawn + 1, "another period is another graph"
    async with http.get(f"{guild}/graphs/duos.svg?days=28") as answer:
        assert answer.content_type == "image/svg+xml"
    assert site.site.graphs.drawn == drawn + 2, "another format is another drawing"


async def _opt_out(site: Dashboard, w: World, member: Member) -> None:
    """``member`` turns telemetry off on their own page of the dashboard."""
    async with browser() as http:
        csrf = await log_in(http, site, w, member)
        page = f"{site.url}/g/{w.town.guild.id}/me/telemetry"
        async with http.post(page, data={"csrf": csrf, "opt_out": "1"}) as answer:
            assert answer.status == 200
            assert 'id="telemetry-state">off' in await answer.text()


@pytest.mark.within(240)
@pytest.mark.timeout(300)
async def test_graphs_are_drawn_once_per_data_and_follow_the_pickers(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A graph is an image from telemetry (SVG on the page, PNG on request), asked again only
    when the period, the format or the data change; the members table shows hours in voice;
    an opted-out member appears nowhere."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        town = w.town
        now = time.time()
        await played(
            w,
            [
                (town.alice, now - 3 * 3600, now - 3600),
                (town.bob, now - 2 * 3600, now - 3600),
            ],
        )
        await log_in(http, site, w, town.admin)
        guild = f"{site.url}/g/{town.guild.id}"
        async with http.get(f"{guild}/graphs?graph=duos&days=7") as page:
            text = await page.text()
        assert f'src="/g/{town.guild.id}/graphs/duos.svg?days=7&amp;member=0"' in text
        for graph in ("duos", "voice-time"):
            async with http.get(f"{guild}/graphs/{graph}.png?days=7") as answer:
                assert answer.status == 200
                assert (await answer.read()).startswith(PNG)
        await _drawn_again_only_when_asked_differently(site, http, guild)
        async with http.get(f"{guild}/graphs?graph=months") as page:
            text = await page.text()
        # Each graph's own default period: hours per month over all the history.
        assert f'src="/g/{town.guild.id}/graphs/months.svg?days=0&amp;member=0"' in text
        async with http.get(f"{guild}/graphs/timeline.png") as answer:
            assert answer.status == 200, "the weekly timeline is the whole guild's"
        timeline = f"{guild}/graphs/week.png?member={town.alice.user_id}"
        async with http.get(timeline) as answer:
            assert answer.status == 200
        async with http.get(f"{guild}/members") as page:
            table = await page.text()
        alice_row = table.split(f'data-user="{town.alice.user_id}"', 1)[1].split("</tr>")[0]
        assert "2.0" in alice_row  # two hours in voice this week (or the last four)
        await reliability_only_when_the_server_says(w, http, guild)
        await _opt_out(site, w, town.alice)
        async with http.get(f"{guild}/members") as page:
            assert f'data-user="{town.alice.user_id}"' not in await page.text()
        async with http.get(f"{guild}/graphs?graph=week") as page:
            assert f'value="{town.alice.user_id}"' not in await page.text()
        async with http.get(timeline) as answer:
            assert answer.status == 400
        async with http.get(f"{guild}/sessions.csv?days=2") as answer:
            rows = list(csv.DictReader(io.StringIO(await answer.text())))
        assert {r["user_id"] for r in rows} == {str(town.bob.user_id)}


async def reliability_only_when_the_server_says(
    w: World, http: aiohttp.ClientSession, guild: str
) -> None:
    """Moderators see no reliability, of anyone, until an admin runs /config reliability;
    then who was there, never a score per member."""
    async with http.get(f"{guild}/members") as page:
        text = await page.text()
    hidden = text.split('id="there"', 1)[1]
    assert "Hidden: each member sees their own reliability" in hidden
    assert "Reliability" not in text.split('id="there"', 1)[0]
    said = await w.say(w.town.admin, "config reliability", enabled=True)
    assert "Who was there, on the dashboard for moderators: shown" in said
    async with http.get(f"{guild}/members") as page:
        shown = (await page.text()).split('id="there"', 1)[1]
    assert "Hidden" not in shown
    assert "who were in voice for 15 minutes" in shown or "Nobody who said" in shown
    assert "%" not in shown


SVG = "{http://www.w3.org/2000/svg}"
HOURS = re.compile(r": (\d+\.\d\d) h")


async def test_each_graph_is_served_as_svg_titled_with_its_values(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Each of the seven graphs comes as an SVG that parses; its titled bars, cells, edges and
    nodes add up to Alice's two hours (one with Bob, one alone) and the pair's one hour."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        town = w.town
        now = time.time()
        await played(
            w,
            [
                (town.alice, now - 3 * 3600, now - 3600),
                (town.bob, now - 2 * 3600, now - 3600),
            ],
        )
        alice = w.emu.world.display_name(town.guild.id, town.alice.user_id)
        bob = w.emu.world.display_name(town.guild.id, town.bob.user_id)
        await log_in(http, site, w, town.admin)
        guild = f"{site.url}/g/{town.guild.id}"
        for graph in GUILD_GRAPHS:
            async with http.get(f"{guild}/graphs/{graph}.svg") as answer:
                assert answer.status == 200, graph
                assert answer.content_type == "image/svg+xml"
                root = ET.fromstring(await answer.read())  # noqa: S314 - our own server
            found = [title.text or "" for title in root.iter(f"{SVG}title")]
            assert root.get("viewBox"), graph
            assert not _blocked_in_the_page(root), graph
            hers = [
                t
                for t in found
                if t.startswith((f"{alice}:", f"{alice},", f"{alice} (")) and "no data" not in t
            ]
            theirs = [t for t in found if alice in t and bob in t and "together" in t]
            if graph is not GraphKind.DUOS:  # the duos draw pairs only
                alone = sum(_hours(t) for t in hers if " & " not in t)
                assert abs(alone - 2.0) < 0.011, graph  # each title rounds to 36 s
            if graph in (GraphKind.DUOS, GraphKind.NETWORK):
                assert [_hours(t) for t in theirs] == [1.0], graph


def _blocked_in_the_page(root: ET.Element) -> list[str]:
    """What the dashboard's policy (no inline style or script) would block once graph.js has
    put the SVG in the page, or what would reach outside it: style and script elements,
    style and event-handler attributes, links other than to the SVG's own ids."""
    blocked = []
    for element in root.iter():
        if element.tag in (f"{SVG}style", f"{SVG}script", f"{SVG}foreignObject"):
            blocked.append(element.tag)
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local == "style" or local.startswith("on"):
                blocked.append(f"{element.tag} {local}")
            if local == "href" and not value.startswith("#"):
                blocked.append(f"{element.tag} href {value}")
    return blocked


def _hours(title: str) -> float:
    found = HOURS.search(title)
    assert found is not None, title
    return float(found[1])


async def test_a_member_exports_and_deletes_their_data(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice's CSV holds her own session; her reminders and nudges switch on, and the bot
    follows at once; deleting needs the confirmation, and then the bot forgets them too."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        town = w.town
        now = time.time()
        await played(w, [(town.alice, now - 7200, now - 3600), (town.bob, now - 7200, now)])
        csrf = await log_in(http, site, w, town.alice)
        guild = f"{site.url}/g/{town.guild.id}"
        async with http.get(f"{site.url}/") as page:
            assert f'href="/g/{town.guild.id}/me"' in await page.text()
        async with http.get(f"{guild}/me/sessions.csv") as answer:
            assert answer.headers["Content-Type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(await answer.text())))
        assert [(r["user_id"], r["minutes"]) for r in rows] == [(str(town.alice.user_id), "60.0")]
        started = datetime.fromisoformat(rows[0]["start_utc"])
        assert abs(started.timestamp() - (now - 7200)) < 1
        async with http.get(f"{guild}/me") as page:
            text = await page.text()
        assert "bob (1.0 h)" in text
        # The same figures as the members table's, over the same periods.
        assert "this week: <b>1.0 h</b> · in the last 4 weeks: <b>1.0 h</b>" in text
        assert "Nothing to count yet" in text.split('id="reliability"', 1)[1]
        assert 'id="reminders-state">off' in text
        assert 'id="nudges-state">off' in text
        async with http.post(f"{guild}/me/reminders", data={"csrf": csrf, "on": "1"}) as page:
            assert 'id="reminders-state">on' in await page.text()
        async with http.post(f"{guild}/me/nudges", data={"csrf": csrf, "on": "1"}) as page:
            assert 'id="nudges-state">on' in await page.text()
        # The scheduler, which sends them, knows at once.
        said = await w.say(town.alice, "remind show")
        assert said.startswith("Reminders are on: 15 minutes before"), said
        said = await w.say(town.alice, "nudges show")
        assert said.startswith("Nudges are on: on a day you usually play"), said
        async with http.post(f"{guild}/me/delete", data={"csrf": csrf}) as answer:
            assert answer.status == 400
            assert "nothing was deleted" in await answer.text()
        form = {"csrf": csrf, "confirm": "yes"}
        async with http.post(f"{guild}/me/delete", data=form) as answer:
            assert answer.status == 200
            assert 'id="deleted"' in await answer.text()
        async with http.get(f"{guild}/me/sessions.csv") as answer:
            assert len((await answer.text()).splitlines()) == 1  # the header alone
        assert await w.say(town.alice, "remind show") == (
            "Your reminders are off. /remind on turns them on."
        )
        assert (await w.say(town.alice, "nudges show")).startswith("Your nudges are off")


async def test_the_calendar_feed_holds_my_hours_in_utc(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Today's 19:00 Paris is 18:00 UTC; usual Wednesdays at 19:00 London are at their UTC
    instants; a renewed address stops the old one."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site, browser() as http:
        town = w.town
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.emu.driver.react(town.alice, posted.id, B)
        usual = MemberSchedule(
            user_id=town.alice.user_id,
            slots=[WeeklySlot(weekday=2, hour=19)],
            zone="Europe/London",
        )
        async with w.peer() as bus:
            await bus.request(
                "telemetry",
                SetSchedule(guild_id=town.guild.id, schedule=usual),
                expect=SchedulesReply,
                timeout=STEP,
            )
        csrf = await log_in(http, site, w, town.alice)
        guild = f"{site.url}/g/{town.guild.id}"
        async with http.get(f"{guild}/me") as page:
            text = await page.text()
        feed = text.split('id="feed">', 1)[1].split("<", 1)[0]
        assert feed.startswith(f"{site.url}/feed/")
        today = datetime(2026, 3, 10, 18, tzinfo=UTC)  # 19:00 in Paris

        async def has_today() -> bool:
            async with http.get(feed) as answer:
                found = Calendar.from_ical(await answer.read())
            return any(e.decoded("dtstart") == today for e in found.walk("VEVENT"))

        await answers(has_today, "today's 19:00 in the feed")
        async with aiohttp.ClientSession() as calendar_app, calendar_app.get(feed) as answer:
            assert answer.headers["Content-Type"].startswith("text/calendar")
            events = Calendar.from_ical(await answer.read()).walk("VEVENT")
        starts = {e.decoded("dtstart") for e in events}
        assert today in starts
        paris, london = ZoneInfo("Europe/Paris"), ZoneInfo("Europe/London")
        first = datetime.fromtimestamp(time.time(), paris).date()
        wanted = {
            datetime.combine(first + timedelta(days=n), datetime.min.time())
            .replace(hour=19, tzinfo=london)
            .astimezone(UTC)
            for n in range(14)
            if (first + timedelta(days=n)).weekday() == 2
        }
        assert wanted <= starts
        assert all(e.decoded("dtend") - e.decoded("dtstart") == timedelta(hours=1) for e in events)
        async with http.post(f"{guild}/me/feed", data={"csrf": csrf}) as page:
            renewed = (await page.text()).split('id="feed">', 1)[1].split("<", 1)[0]
        assert renewed != feed
        async with http.get(feed) as answer:
            assert answer.status == 404
        async with http.get(renewed) as answer:
            assert answer.status == 200

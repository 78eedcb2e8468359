"""Members plan in their own time, end to end: a New York community with a member in Los
Angeles and one in Paris picks hours on their own clocks, sees the next 14 days in them,
chooses what a timezone change keeps, and a posted message keeps its window over a restart.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bus.endpoints import Endpoints
from emulator.rules.state import Member
from emulator.simulator.seen import SeenMessage
from services.scheduler.commands.schedule import day_id, hours_id
from services.scheduler.commands.timezone import KEEP_COMMUNITY, KEEP_LOCAL
from tests.services.scheduler.support import PARIS, World, world

NEW_YORK = ZoneInfo("America/New_York")
LA, EUROPE = "America/Los_Angeles", "Europe/Paris"
TUESDAY_MORNING = datetime(2026, 2, 3, 10, tzinfo=NEW_YORK).timestamp()  # 16:00 in Paris
TUESDAY, WEDNESDAY = 1, 2
LETTERS = set("🇦🇧🇨🇩🇪🇫")


def _t(hour: int) -> str:
    return f"<t:{int(datetime(2026, 2, 3, hour, tzinfo=NEW_YORK).timestamp())}:t>"


async def _editor(w: World, member: Member) -> SeenMessage:
    outcome = await w.slash(member, "schedule edit")
    assert outcome.message is not None
    return outcome.message


def _labels(message: SeenMessage, custom_id: str) -> list[str]:
    select = message.component(custom_id)
    assert select is not None
    return [option.label for option in select.options]  # type: ignore[union-attr]


async def _new_york(w: World) -> None:
    await w.configure(zone="America/New_York", start=18, hours=6, time="12:00")
    await w.say(w.town.alice, "timezone set", zone=LA)
    await w.say(w.town.bob, "timezone set", zone=EUROPE)


async def test_each_member_picks_in_their_own_time(endpoints: Endpoints, short_tmp: Path) -> None:
    """Los Angeles sees 15:00-20:00, Paris sees 00:00-05:00 the next day; what they pick
    shows on the community's hours of the daily message."""

    async with world(endpoints, short_tmp, start=TUESDAY_MORNING) as w:
        town, driver = w.town, w.emu.driver
        await _new_york(w)
        alice = await _editor(w, town.alice)  # opens on her Tuesday
        assert "(your time, America/Los_Angeles)" in alice.content
        assert _labels(alice, hours_id(TUESDAY, LA)) == [f"{h}:00" for h in range(15, 21)]
        await driver.select(town.alice, alice.id, hours_id(TUESDAY, LA), ["18", "19"])
        bob = await _editor(w, town.bob)
        assert _labels(bob, hours_id(TUESDAY, EUROPE)) == [f"0{h}:00" for h in range(6)]
        switched = await driver.select(town.bob, bob.id, day_id(EUROPE), [str(WEDNESDAY)])
        assert switched.message is not None
        await driver.select(town.bob, bob.id, hours_id(WEDNESDAY, EUROPE), ["3"])
        shown = await w.say(town.alice, "schedule show")
        assert shown.startswith(
            "Your usual hours (your time, America/Los_Angeles):\nTuesday: 18:00, 19:00\n\n"
        )
        assert "Tue 03 Feb: 18:00-20:00 → 21:00-23:00" in shown
        shown = await w.say(town.bob, "schedule show")
        assert "Wed 04 Feb: 03:00-04:00 → Tue 21:00-22:00" in shown
        w.clock.set(datetime(2026, 2, 3, 12, 0, 30, tzinfo=NEW_YORK).timestamp())
        await w.daily_says("Alice 📅")
        lines = [line for line in w.posted().content.splitlines() if line[:1] in LETTERS]
        assert lines[3] == f"🇩 {_t(21)} · **2** · Alice 📅, bob 📅"
        assert lines[4] == f"🇪 {_t(22)} · **1** · Alice 📅"
        assert [line.endswith("nobody yet") for line in lines] == [True] * 3 + [False] * 2 + [True]


async def test_an_old_schedule_is_shown_converted_and_saved_on_the_new_clock(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Hours saved in community time before a timezone was set keep their meaning until the
    member picks; the editor shows them in the member's time and says so."""

    async with world(endpoints, short_tmp, start=TUESDAY_MORNING) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(zone="America/New_York", start=18, hours=6, time="12:00")
        old = await _editor(w, town.alice)
        await driver.select(town.alice, old.id, hours_id(TUESDAY), ["21"])
        said = await w.slash(town.alice, "timezone set", {"zone": LA})
        assert said.message is not None
        assert "saved in the community's time (America/New_York)" in said.message.content
        assert "Until you choose, they keep meaning what they meant." in said.message.content
        editor = await _editor(w, town.alice)
        assert "They were saved in the community's time, America/New_York" in editor.content
        hours = editor.component(hours_id(TUESDAY, LA))
        assert [o.label for o in hours.options if o.default] == ["18:00"]  # type: ignore[union-attr]
        await driver.select(town.alice, editor.id, hours_id(TUESDAY, LA), ["18", "19"])
        shown = await w.say(town.alice, "schedule show")
        assert shown.startswith(
            "Your usual hours (your time, America/Los_Angeles):\nTuesday: 18:00, 19:00"
        )
        stale = await w.relay(custom_id=hours_id(TUESDAY), values=["21"])
        assert stale.content == "⚠️ That menu is out of date: run /schedule edit again."


async def _answer_zone_change(w: World, member: Member, zone: str, button: str) -> str:
    said = await w.slash(member, "timezone set", {"zone": zone})
    assert said.message is not None
    assert said.message.component(KEEP_LOCAL) is not None
    answered = await w.emu.driver.click(member, said.message.id, button)
    assert answered.message is not None
    return answered.message.content


async def test_a_timezone_change_asks_what_to_keep(endpoints: Endpoints, short_tmp: Path) -> None:
    """Same local hours: 03:00 stays 03:00 in London; same community hours: Los Angeles
    18:00 becomes Denver 19:00. Asking again after answering changes nothing."""

    async with world(endpoints, short_tmp, start=TUESDAY_MORNING) as w:
        town, driver = w.town, w.emu.driver
        await _new_york(w)
        bob = await _editor(w, town.bob)
        await driver.select(town.bob, bob.id, day_id(EUROPE), [str(WEDNESDAY)])
        await driver.select(town.bob, bob.id, hours_id(WEDNESDAY, EUROPE), ["3"])
        alice = await _editor(w, town.alice)
        await driver.select(town.alice, alice.id, hours_id(TUESDAY, LA), ["18"])
        kept = await _answer_zone_change(w, town.bob, "Europe/London", KEEP_LOCAL)
        assert kept == (
            "Kept your local hours.\nYour usual hours (your time, Europe/London):\nWednesday: 03:00"
        )
        kept = await _answer_zone_change(w, town.alice, "America/Denver", KEEP_COMMUNITY)
        assert kept == (
            "Kept the community hours.\n"
            "Your usual hours (your time, America/Denver):\nTuesday: 19:00"
        )
        again = await w.relay(member=town.alice, custom_id=KEEP_LOCAL)
        assert again.content.startswith("⚠️ Nothing to change")
        same = await w.slash(town.alice, "timezone set", {"zone": "America/Denver"})
        assert same.message is not None
        assert same.message.component(KEEP_LOCAL) is None  # already on that clock
        assert "Tue 03 Feb: 19:00-20:00 → 21:00-22:00" in await w.say(town.alice, "schedule show")


async def test_a_posted_message_keeps_its_window_over_a_restart(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The window changes after the post and the scheduler restarts: every click stays on the
    hour it was for, and a new click on the old message counts for the old window's hour."""

    def _paris(hour: int) -> str:
        return f"<t:{int(datetime(2026, 3, 10, hour, tzinfo=PARIS).timestamp())}:t>"

    async with world(endpoints, short_tmp, scheduler=False) as w:
        town, driver = w.town, w.emu.driver
        async with w.scheduler_running():
            await w.configure(start=18, hours=4)
            posted = await w.daily_posted()
            await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
            await driver.react(town.bob, posted.id, "🇧")
            await w.daily_says(f"🇧 {_paris(19)} · **1** · bob 👍")
            await w.say(town.admin, "config window", start=20, hours=4)
        database = sqlite3.connect(w.data / "telemetry.db")
        try:
            kept = database.execute(
                "SELECT timezone, window_start, window_hours FROM daily_posts"
            ).fetchall()
        finally:
            database.close()
        assert kept == [("Europe/Paris", 18, 4)]
        async with w.scheduler_running():
            await driver.react(town.alice, posted.id, "🇦")
            shown = await w.daily_says(f"🇦 {_paris(18)} · **1** · Alice 👍")
            assert f"🇧 {_paris(19)} · **1** · bob 👍" in shown.content


async def test_schedule_show_flags_the_days_daylight_saving_moves(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Early March: Paris Saturday 03:00 is New York's Friday 21:00, then 22:00 once only
    North America has moved its clocks; /schedule show marks that day."""

    start = datetime(2026, 3, 3, 10, tzinfo=NEW_YORK).timestamp()
    async with world(endpoints, short_tmp, start=start) as w:
        town, driver = w.town, w.emu.driver
        await _new_york(w)
        bob = await _editor(w, town.bob)
        await driver.select(town.bob, bob.id, day_id(EUROPE), ["5"])
        await driver.select(town.bob, bob.id, hours_id(5, EUROPE), ["3"])
        shown = (await w.say(town.bob, "schedule show")).splitlines()
        assert "Sat 07 Mar: 03:00-04:00 → Fri 21:00-22:00" in shown
        assert "Sat 14 Mar: 03:00-04:00 → Fri 22:00-23:00 (1 h later than now) ⚠" in shown

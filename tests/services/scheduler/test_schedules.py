"""``/schedule``: the private editor saves each member's usual hours, and the message shows them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bus.endpoints import Endpoints
from emulator.rules.state import Member
from emulator.simulator.seen import SeenMessage
from services.scheduler.commands.schedule import CLEAR, PICK_DAY, PICK_HOURS, STALE, hours_id
from tests.services.scheduler.support import World, world

TUESDAY = 1


async def _week(w: World, member: Member) -> str:
    """The weekly part of /schedule show (the 14 days' preview follows it)."""
    return (await w.say(member, "schedule show")).partition("\n\n")[0]


async def _editor(w: World, member_name: str = "alice") -> SeenMessage:
    member = getattr(w.town, member_name)
    outcome = await w.slash(member, "schedule edit")
    assert outcome.message is not None
    assert outcome.ephemeral
    return outcome.message


async def test_picking_hours_saves_them_and_the_editor_shows_them(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Pick Tuesday 19:00 and 20:00: saved, preselected, listed by /schedule show."""

    async with world(endpoints, short_tmp) as w:
        await w.configure(start=18, hours=4)
        editor = await _editor(w)
        assert "You have no usual hours yet (the community's time, Europe/Paris)." in editor.content
        picked = await w.emu.driver.select(w.town.alice, editor.id, hours_id(TUESDAY), ["19", "20"])
        assert picked.message is not None
        assert "Tuesday: 19:00, 20:00" in picked.message.content
        reopened = await _editor(w)
        hours = reopened.component(hours_id(TUESDAY))
        assert hours is not None
        assert [o.value for o in hours.options if o.default] == ["19", "20"]  # type: ignore[union-attr]
        shown = await _week(w, w.town.alice)
        assert (
            shown == "Your usual hours (the community's time, Europe/Paris):\nTuesday: 19:00, 20:00"
        )
        await w.daily_says("Alice 📅")
        text = w.posted().content.splitlines()
        assert [line.endswith("Alice 📅") for line in text[3:7]] == [False, True, True, False]


async def test_switching_days_and_clearing(endpoints: Endpoints, short_tmp: Path) -> None:
    """The day select shows another weekday's hours; "Clear all" and /schedule clear forget them."""

    async with world(endpoints, short_tmp) as w:
        alice = w.town.alice
        editor = await _editor(w)
        switched = await w.emu.driver.select(alice, editor.id, PICK_DAY, ["4"])
        assert switched.message is not None
        assert switched.message.component(hours_id(4)) is not None
        await w.emu.driver.select(alice, editor.id, hours_id(4), ["20"])
        assert (
            await _week(w, alice) == "Your usual hours (the community's time, UTC):\nFriday: 20:00"
        )
        cleared = await w.emu.driver.click(alice, editor.id, CLEAR)
        assert cleared.message is not None
        assert "no usual hours yet" in cleared.message.content
        editor = await _editor(w)  # opens on today, a Tuesday
        await w.emu.driver.select(alice, editor.id, hours_id(TUESDAY), ["21"])
        assert "Tuesday: 21:00" in await w.say(alice, "schedule show")
        assert await w.say(alice, "schedule clear") == "Your usual hours are cleared."
        assert "no usual hours yet" in await w.say(alice, "schedule show")


async def test_two_members_saving_at_the_same_time_keep_both(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice and Bob pick at the same moment; neither schedule overwrites the other."""

    async with world(endpoints, short_tmp) as w:
        town = w.town
        driver = w.emu.driver
        alice_monday, alice_wednesday = await _editor(w, "alice"), await _editor(w, "alice")
        bob_monday = await _editor(w, "bob")
        await driver.select(town.alice, alice_monday.id, PICK_DAY, ["0"])
        await driver.select(town.alice, alice_wednesday.id, PICK_DAY, ["2"])
        await driver.select(town.bob, bob_monday.id, PICK_DAY, ["0"])
        await asyncio.gather(
            driver.select(town.alice, alice_monday.id, hours_id(0), ["18"]),
            driver.select(town.bob, bob_monday.id, hours_id(0), ["21"]),
            driver.select(town.alice, alice_wednesday.id, hours_id(2), ["19"]),
        )
        assert await _week(w, town.alice) == (
            "Your usual hours (the community's time, UTC):\nMonday: 18:00\nWednesday: 19:00"
        )
        assert (
            await _week(w, town.bob)
            == "Your usual hours (the community's time, UTC):\nMonday: 21:00"
        )


async def test_tampered_select_values_are_refused(endpoints: Endpoints, short_tmp: Path) -> None:
    """A weekday 9, an hour outside the window or a made-up custom id saves nothing."""

    async with world(endpoints, short_tmp) as w:
        alice = w.town.alice

        async def pick(custom_id: str, values: list[str]) -> str:
            return (await w.relay(custom_id=custom_id, values=values)).content

        assert await pick(f"{PICK_HOURS}9", ["18"]) == f"⚠️ {STALE}"
        assert await pick(f"{PICK_HOURS}x", ["18"]) == f"⚠️ {STALE}"
        assert await pick(f"{PICK_HOURS}1", ["3"]) == f"⚠️ {STALE}"  # window is 16-23
        assert await pick(f"{PICK_HOURS}1", ["-1"]) == f"⚠️ {STALE}"
        assert await pick(f"{PICK_HOURS}1", ["²"]) == f"⚠️ {STALE}"  # a digit, not 0-9
        assert await pick(f"{PICK_HOURS}²", ["18"]) == f"⚠️ {STALE}"
        assert await pick(PICK_DAY, ["7"]) == f"⚠️ {STALE}"
        assert await pick(PICK_DAY, []) == f"⚠️ {STALE}"
        assert await pick("scheduler:sched:drop-table", []) == f"⚠️ {STALE}"
        assert "no usual hours yet" in await w.say(alice, "schedule show")

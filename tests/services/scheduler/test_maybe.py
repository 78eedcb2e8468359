""" "Maybe" end to end: the real gateway's nextcord client, telemetry and the scheduler against
the emulator. Tuesday 10 March in Paris, hours 18:00 (🇦) to 21:00 (🇩)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import DayStateReply, GetDayState
from emulator.rules.state import Member
from emulator.simulator.seen import SeenMessage
from services.scheduler.commands.schedule import hours_id
from services.scheduler.daily import MAYBE_BUTTON, NOT_TODAY, OPEN_SCHEDULE
from services.scheduler.maybe import STALE, pick_id
from tests.services.inprocess import STEP
from tests.services.scheduler.support import PARIS, World, world

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
TODAY = datetime(2026, 3, 10).date()


def _at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 10, hour, minute, tzinfo=PARIS).timestamp()


def _t(hour: int) -> str:
    return f"<t:{int(_at(hour))}:t>"


def _line(w: World, emoji: str) -> str:
    """The daily message's line for one hour."""
    return next(line for line in w.posted().content.splitlines() if line.startswith(emoji))


async def _day(w: World) -> SeenMessage:
    await w.configure(start=18, hours=4)
    posted = await w.daily_posted()
    await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
    return posted


async def _menu(w: World, member: Member, posted: SeenMessage) -> SeenMessage:
    """The member's private maybe menu, opened from the daily message's button."""
    opened = await w.emu.driver.click(member, posted.id, MAYBE_BUTTON)
    assert opened.message is not None
    assert opened.ephemeral
    return opened.message


async def _maybe(w: World, member: Member, posted: SeenMessage, *hours: int) -> str:
    """Pick ``hours`` as the member's maybes; what the menu says then."""
    menu = await _menu(w, member, posted)
    picked = await w.emu.driver.select(member, menu.id, pick_id(TODAY), [str(h) for h in hours])
    assert picked.message is not None
    return picked.message.content


async def _marks(w: World, source: str) -> list[tuple[int, int, bool]]:
    """(member, hour, cancelled) of today's marks of ``source``, as telemetry records them."""
    async with w.peer() as bus:
        day = await bus.request(
            "telemetry",
            GetDayState(guild_id=w.town.guild.id, date=TODAY.isoformat()),
            expect=DayStateReply,
            timeout=STEP,
        )
    return [(m.user_id, m.hour, m.cancelled) for m in day.marks if m.source == source]


async def test_a_maybe_is_shown_apart_and_named_in_a_call_one_short(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Two in 21:00 and two maybes, quorum 3: "**2** + 2 maybe"; one call, "1 short — maybe"
    naming both, pinging only the maybe who turned reminders on; no call counts a maybe."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        cy = driver.add_member(town.guild, "cy")
        await w.until(lambda: cy.user_id in w.scheduler.roster.guild(town.guild.id).members, "cy")
        posted = await _day(w)
        assert (await w.say(town.admin, "config quorum", size=3)).startswith("Saved.")
        await w.say(town.bob, "remind on")
        said = await _maybe(w, town.bob, posted, 21)
        assert said == f"❔ Maybe today: {_t(21)}."
        await _maybe(w, cy, posted, 20, 21)
        await w.daily_says(f"{D} {_t(21)} · **0** + 2 maybe · bob ❔, cy ❔", "❔ maybe")
        assert _line(w, C) == f"{C} {_t(20)} · **0** + 1 maybe · cy ❔"
        assert not _calls(w)  # two maybes are not two players
        await driver.react(town.alice, posted.id, D)
        await driver.react(town.admin, posted.id, D)
        await w.daily_says(f"{D} {_t(21)} · **2** + 2 maybe · admin 👍, Alice 👍, bob ❔, cy ❔")
        await w.until(lambda: len(_calls(w)) == 1, "the call one short")
        call = _calls(w)[0]
        start = int(_at(21))
        bob, cy_id = town.bob.user_id, cy.user_id
        ins = ", ".join(f"<@{u}>" for u in sorted((town.admin.user_id, town.alice.user_id)))
        assert call.content.splitlines()[:2] == [
            f"🎮 **Almost enough players for <t:{start}:t>** (<t:{start}:R>) · 2 of 3: {ins}",
            f"1 short — maybe: {', '.join(f'<@{u}>' for u in sorted((bob, cy_id)))}",
        ]
        assert call.pinged == frozenset({bob})
        await driver.react(town.bob, posted.id, D)  # the maybe becomes an in: enough now
        await w.until(lambda: "**Enough players" in _calls(w)[0].content, "the call reached")
        await w.daily_says(f"{D} {_t(21)} · **3** + 1 maybe · admin 👍, Alice 👍, bob 👍, cy ❔")
        assert len(_calls(w)) == 1


def _calls(w: World) -> list[SeenMessage]:
    return [
        m for m in w.emu.driver.messages(w.town.text, w.town.alice) if "nough players" in m.content
    ]


async def test_a_maybe_becomes_an_in_and_back_and_not_today_clears_both(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob usually plays 19:00 and 20:00: a maybe for 20:00 takes that usual hour back; a
    reaction makes him in, removing it a maybe again; "Not today" clears usual hours and
    maybes; telemetry keeps each maybe once."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        editor = await driver.click(town.bob, posted.id, OPEN_SCHEDULE)
        assert editor.message is not None
        await driver.select(town.bob, editor.message.id, hours_id(1), ["19", "20"])
        await w.daily_says(f"{C} {_t(20)} · **1** · bob 📅")
        await _maybe(w, town.bob, posted, 20)
        await w.daily_says(f"{C} {_t(20)} · **0** + 1 maybe · bob ❔")
        assert _line(w, B) == f"{B} {_t(19)} · **1** · bob 📅"
        await driver.react(town.bob, posted.id, C)
        await w.daily_says(f"{C} {_t(20)} · **1** · bob 👍")
        menu = await _menu(w, town.bob, posted)
        assert "You reacted for" in menu.content
        await driver.unreact(town.bob, posted.id, C)
        await w.daily_says(f"{C} {_t(20)} · **0** + 1 maybe · bob ❔")
        assert await _marks(w, "maybe") == [(town.bob.user_id, 20, False)]
        off = await driver.click(town.bob, posted.id, NOT_TODAY)
        assert off.message is not None
        assert off.message.content.startswith(f"You are off today's list for {_t(19)}, {_t(20)}.")
        await w.daily_says(f"{C} {_t(20)} · nobody yet")
        assert _line(w, B) == f"{B} {_t(19)} · nobody yet"
        assert "❔" not in w.posted().content
        assert await _marks(w, "maybe") == [(town.bob.user_id, 20, True)]
        cleared = await _maybe(w, town.alice, posted)  # nothing picked: no maybe at all
        assert cleared == "You have no maybe today."


async def test_bad_maybes_are_refused_and_change_nothing(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """An hour that is over, another day's menu, values never offered and the button of an
    old message each get a private reason; no mark is recorded."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        menu = await _menu(w, town.alice, posted)
        assert [o.value for o in menu.component(pick_id(TODAY)).options] == [  # type: ignore[union-attr]
            "18",
            "19",
            "20",
            "21",
        ]
        w.clock.set(_at(19, 10))  # 18:00 is over; the menu was opened before
        late = await driver.select(town.alice, menu.id, pick_id(TODAY), ["18", "20"])
        assert late.message is not None
        assert late.message.ephemeral
        assert late.message.content == (
            f"⚠️ {_t(18)} is over: a maybe is for hours still to come. Nothing was changed."
        )
        reopened = await _menu(w, town.alice, posted)
        offered = reopened.component(pick_id(TODAY))
        assert [o.value for o in offered.options] == ["19", "20", "21"]  # type: ignore[union-attr]
        for custom_id, values in (
            (pick_id(TODAY.replace(day=9)), ["20"]),  # yesterday's menu
            ("scheduler:maybe:", ["20"]),
            (pick_id(TODAY), ["7"]),  # not an hour of the window
            (pick_id(TODAY), ["abc"]),
            (pick_id(TODAY), ["2" * 5000]),
        ):
            answer = await w.relay(custom_id=custom_id, values=values)
            assert answer.ephemeral
            assert answer.content == f"⚠️ {STALE}", custom_id
        old = await w.relay(custom_id=MAYBE_BUTTON, message_id=posted.id + 1)
        assert old.content == "⚠️ This is not the current daily message any more."
        assert await _marks(w, "maybe") == []
        assert "❔" not in w.posted().content

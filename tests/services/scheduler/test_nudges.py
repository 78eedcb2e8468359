"""Nudges: the rules as pure functions, then end to end — the real gateway's nextcord client,
telemetry and the scheduler against the emulator, on a clock the test moves. Tuesday 10
March 2026 in Paris, hours from 18:00 (🇦) to 21:00 (🇩); the members' voice history has
them playing with Alice on earlier Tuesdays.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bus.endpoints import Endpoints
from bus.protocol import (
    DeliveriesReply,
    GetDeliveries,
    PrivacyReply,
    Regular,
    SetTelemetryOptOut,
)
from emulator import Emulator
from emulator.rules.components import Button
from emulator.rules.state import Member
from emulator.simulator.seen import SeenMessage
from services.runtime.playtime import How
from services.scheduler.board import HourLine
from services.scheduler.engines.nudges import (
    Pick,
    button_id,
    is_quiet,
    offers,
    parse_button,
    quiet_until,
    wants,
)
from services.scheduler.slots import Slot
from services.telemetry.ingest import Recorder
from tests.emulator.support import Community
from tests.helpers import until_answered
from tests.services.inprocess import STEP
from tests.services.scheduler.support import PARIS, World, world
from tests.services.telemetry.events import envelope, voice

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
TODAY = date(2026, 3, 10)
NEW_YORK = ZoneInfo("America/New_York")


def _at(hour: int, minute: int = 0, day: date = TODAY) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


def _t(hour: int) -> str:
    return f"<t:{int(_at(hour))}:t>"


# ----------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("hour", "start", "end", "quiet"),
    [
        (23, 23, 9, True),
        (3, 23, 9, True),
        (9, 23, 9, False),
        (22, 23, 9, False),
        (13, 12, 14, True),
        (14, 12, 14, False),
        (5, 0, 0, False),
    ],
)
def test_quiet_hours_may_cross_midnight(hour: int, start: int, end: int, quiet: bool) -> None:
    """23-9 holds 23:00 and 03:00 but not 09:00; equal bounds mean never quiet."""
    assert is_quiet(hour, start, end) is quiet


def test_quiet_until_is_the_next_local_end_across_a_clock_change() -> None:
    """At 03:00 in New York on the night its clocks go forward (8 March 2026), quiet hours
    23-9 end at 09:00 EDT, which is 13:00 UTC; at noon nothing is quiet."""
    night = datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK).timestamp()
    assert (
        quiet_until(night, NEW_YORK, 23, 9) == datetime(2026, 3, 8, 9, tzinfo=NEW_YORK).timestamp()
    )
    evening = datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK).timestamp()
    assert (
        quiet_until(evening, NEW_YORK, 23, 9)
        == datetime(2026, 3, 8, 9, tzinfo=NEW_YORK).timestamp()
    )
    assert (
        quiet_until(datetime(2026, 3, 8, 12, tzinfo=NEW_YORK).timestamp(), NEW_YORK, 23, 9) is None
    )


def test_offers_are_the_coming_hours_with_co_players_for_someone_not_in() -> None:
    """Bob's partners Ann (20:00) and Cid (21:00, 18:00 is over) are offered; once Bob is in
    any hour, nothing is."""
    slots = [Slot(h, _at(h), e) for h, e in zip(range(18, 22), (A, B, C, D), strict=True)]
    lines = [
        HourLine(slots[0], [(3, How.REACTED)]),
        HourLine(slots[1], [(9, How.REACTED)]),
        HourLine(slots[2], [(1, How.VOICE), (9, How.SCHEDULED)]),
        HourLine(slots[3], [(3, How.SCHEDULED)]),
    ]
    bob = Regular(user_id=2, weeks=3, partners=[1, 3])
    found = offers(lines, bob, _at(19, 30))
    assert [(o.slot.hour, o.partners) for o in found] == [(20, [1]), (21, [3])]
    lines[1] = HourLine(slots[1], [(2, How.PICKED)])
    assert offers(lines, bob, _at(19, 30)) == []


def test_a_member_s_choice_beats_the_guild_switch() -> None:
    """On or off by the member wins; without a choice, the guild's switch decides."""
    from bus.protocol import NudgeChoice

    assert wants(None, True)
    assert not wants(None, False)
    assert wants(NudgeChoice(user_id=1), False)
    assert not wants(NudgeChoice(user_id=1, wanted=False), True)


@pytest.mark.parametrize(
    "custom_id",
    [
        "scheduler:nudge:1:2:2026-03-10",
        "scheduler:nudge:1:2:2026-03-10:24",
        "scheduler:nudge:x:2:2026-03-10:20",
        "scheduler:nudge:0:2:2026-03-10:20",
        "scheduler:nudge:1:2:2026-13-10:20",
        "scheduler:nudge:1:2:2026-03-10:20:9",
        "xscheduler:nudge:1:2:2026-03-10:20",
        "scheduler:nudge:1:\uff12:2026-03-10:20",  # a fullwidth digit two
    ],
)
def test_malformed_buttons_are_not_nudges(custom_id: str) -> None:
    """Missing, extra, non-numeric, zero or out-of-range parts are refused."""
    assert parse_button(custom_id) is None


def test_a_button_id_reads_back() -> None:
    """What a nudge's button is made with is what its click is read as."""
    assert parse_button(button_id(7, 8, TODAY, 20)) == Pick(7, 8, TODAY, 20)


# ----------------------------------------------------------------- end to end

type Seed = Callable[[Emulator, Community, sqlite3.Connection], None]


def _played_with_alice(
    *names: str, weeks: tuple[int, ...] = (1, 2)
) -> tuple[Seed, dict[str, Member]]:
    """Bob and members ``names`` (added to the guild), each in voice with Alice on the
    Tuesdays ``weeks`` weeks ago, 20:00 to 22:00."""
    added: dict[str, Member] = {}

    def seed(emu: Emulator, town: Community, connection: sqlite3.Connection) -> None:
        for name in names:
            added[name] = emu.driver.add_member(town.guild, name)
        players = [town.alice.user_id, town.bob.user_id, *(m.user_id for m in added.values())]
        recorder = Recorder(connection)
        for back in sorted(weeks, reverse=True):
            day = TODAY - timedelta(days=7 * back)
            events = [
                envelope(voice(user, 0, town.voice.id, _at(20, day=day), guild=town.guild.id))
                for user in players
            ] + [
                envelope(voice(user, town.voice.id, 0, _at(22, day=day), guild=town.guild.id))
                for user in players
            ]
            recorder.ingest(connection, events, _at(22, 30, day=day))

    return seed, added


async def _day(w: World, *, time: str = "12:00") -> SeenMessage:
    await w.configure(start=18, hours=4, time=time)
    posted = await w.daily_posted()
    await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
    return posted


async def _dm(w: World, member: Member) -> SeenMessage:
    await w.until(lambda: bool(w.emu.driver.dms(member)), f"a DM to {member.user_id}")
    return w.emu.driver.dms(member)[-1]


async def _nudges(w: World) -> dict[int, str]:
    """Today's nudges by member, with their state, as telemetry has them."""
    async with w.peer() as bus:
        found = await bus.request(
            "telemetry",
            GetDeliveries(guild_id=w.town.guild.id, date=TODAY.isoformat()),
            expect=DeliveriesReply,
            timeout=STEP,
        )
    return {d.user_id: d.state for d in found.deliveries if d.kind == "nudge"}


async def _nudged(w: World, member: Member, state: str) -> None:
    async def recorded() -> bool:
        return (await _nudges(w)).get(member.user_id) == state

    await until_answered(recorded, STEP, f"a nudge for {member.user_id} recorded as {state}")


async def test_a_nudge_names_real_co_players_and_its_button_adds_the_member(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob played with Alice on two of the last four Tuesdays: when Alice clicks 20:00, Bob
    (nudges on) gets one DM naming her at that hour; its button puts him in, shown 📨 on
    the daily message; taking it back brings no second nudge. Carol's DMs are closed: her
    nudge is dropped, never posted in the channel."""
    seed, added = _played_with_alice("carol")
    async with world(endpoints, short_tmp, history=seed) as w:
        town, driver = w.town, w.emu.driver
        carol = added["carol"]
        assert await w.say(town.bob, "nudges show") == (
            "Your nudges are off (this server's default). /nudges on turns them on."
        )
        assert await w.say(town.bob, "nudges on") == (
            "Nudges are on: on a day you usually play and have not answered, one DM when your"
            " usual co-players are in, never from 23:00 to 09:00 your time."
        )
        posted = await _day(w)
        await driver.react(town.alice, posted.id, C)
        dm = await _dm(w, town.bob)
        ref = dm.content.rsplit(" ", 1)[1]
        assert dm.content == (
            "👋 Your usual crew plays today in **Squad**:\n"
            f"- {_t(20)}: Alice\n"
            "Join them? Pick an hour below, or react on the daily message.\n"
            f"-# /nudges off to stop these · ref {ref}"
        )
        [row] = dm.components
        [button] = row.components
        mine = button_id(town.guild.id, town.bob.user_id, TODAY, 20)
        assert isinstance(button, Button)
        assert (button.label, button.custom_id) == ("I'm in at 20:00", mine)

        clicked = await driver.click(town.bob, dm.id, mine)
        assert clicked.message is not None
        assert clicked.ephemeral
        assert clicked.message.content.startswith(f"You're in at {_t(20)} today in **Squad**: ")
        shown = await w.daily_says(f"{C} {_t(20)} · **2** · Alice 👍, bob 📨")
        assert "📨 answered a nudge" in shown.content.splitlines()[1]

        off = await driver.click(town.bob, posted.id, "scheduler:day:off")
        assert off.message is not None
        assert off.message.content.startswith(f"You are off today's list for {_t(20)}.")
        await w.daily_says(f"{C} {_t(20)} · **1** · Alice 👍")
        # Carol turning nudges on wakes the nudges; hers (DMs closed) is looked at after
        # Bob's, who is in no hour again: still one nudge for him.
        driver.close_dms(carol)
        await w.say(carol, "nudges on")
        await _nudged(w, carol, "dropped")
        assert await _nudges(w) == {town.bob.user_id: "sent", carol.user_id: "dropped"}
        assert len([m for m in driver.dms(town.bob) if "crew" in m.content]) == 1
        assert not driver.dms(carol)
        assert not [m for m in driver.messages(town.text, carol) if "crew" in m.content]


async def test_quiet_hours_on_each_member_s_clock_and_the_guild_switch(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """At 08:00 in Paris: Dee (no choice, the server's nudges on, New York) and Faye (on,
    Paris) are in their quiet hours, Erin turned nudges off, Zed has no quiet hours and is
    nudged at once. Faye's (and Bob's: no choice, Paris) comes at 09:00, Dee's at 14:00 Paris
    (09:00 in New York); Erin's never."""
    seed, added = _played_with_alice("dee", "erin", "faye", "zed", weeks=(1, 3, 4))
    start = _at(8)
    async with world(endpoints, short_tmp, history=seed, start=start) as w:
        town, driver = w.town, w.emu.driver
        dee, erin, faye, zed = (added[n] for n in ("dee", "erin", "faye", "zed"))
        saved = await w.say(town.admin, "config nudges", enabled=True)
        assert "Nudges: on for every member who has not turned them off" in saved
        await w.say(dee, "timezone set", zone="America/New_York")
        assert await w.say(erin, "nudges off") == "Your nudges are off."
        await w.say(faye, "nudges on")
        said = await w.say(zed, "nudges on", quiet_from=0, quiet_until=0)
        assert said.endswith("co-players are in, at any hour.")
        assert await w.say(dee, "nudges show") == (
            "Nudges are on (this server's default; /nudges off to stop them): on a day you"
            " usually play and have not answered, one DM when your usual co-players are in,"
            " never from 23:00 to 09:00 your time."
        )
        posted = await _day(w, time="07:00")
        await driver.react(town.alice, posted.id, D)
        await _dm(w, zed)  # Dee, Erin and Faye were looked at first (smaller ids)
        assert not driver.dms(dee)
        assert not driver.dms(erin)
        assert not driver.dms(faye)

        w.clock.set(_at(9))
        await _dm(w, faye)
        assert not driver.dms(dee)
        assert not driver.dms(erin)

        w.clock.set(_at(14))
        dm = await _dm(w, dee)
        assert f"- {_t(21)}: Alice" in dm.content
        [[button]] = [row.components for row in dm.components]
        assert isinstance(button, Button)
        assert button.label == "I'm in at 16:00"  # New York time
        nudged = {town.bob.user_id: "sent", dee.user_id: "sent", faye.user_id: "sent"}
        assert await _nudges(w) == nudged | {zed.user_id: "sent"}
        assert not driver.dms(erin)


async def test_tampered_buttons_and_bad_options_are_refused(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Another member's button, a server Bob is not in, a button from another message, a
    malformed id, a command in a DM and quiet hours past 23 get a private reason each."""
    seed, _ = _played_with_alice()
    async with world(endpoints, short_tmp, history=seed) as w:
        town, driver = w.town, w.emu.driver
        await w.say(town.bob, "nudges on")
        posted = await _day(w)
        await driver.react(town.alice, posted.id, C)
        dm = await _dm(w, town.bob)
        mine = button_id(town.guild.id, town.bob.user_id, TODAY, 20)

        async def dm_click(member: Member, custom_id: str, message_id: int = dm.id) -> str:
            answer = await w.relay(
                member=member, guild_id=0, custom_id=custom_id, message_id=message_id
            )
            assert answer.ephemeral
            return answer.content

        assert await dm_click(town.alice, mine) == "⚠️ That nudge was sent to someone else."
        elsewhere = button_id(town.guild.id + 1, town.bob.user_id, TODAY, 20)
        assert await dm_click(town.bob, elsewhere) == "⚠️ You are not a member of that server."
        assert await dm_click(town.bob, mine, message_id=posted.id) == (
            "⚠️ That nudge was not sent to you."
        )
        assert await dm_click(town.bob, "scheduler:nudge:1:2") == (
            "⚠️ That button is not one of squadtime's nudges."
        )
        command = await w.relay(kind="command", member=town.bob, guild_id=0, command="nudges on")
        assert command.content == "⚠️ squadtime works in servers only."
        for name in ("quiet_from", "quiet_until"):
            refused = await w.relay(
                kind="command", member=town.bob, command="nudges on", options={name: "24"}
            )
            assert refused.content == (
                f"⚠️ `{name}` is an hour from 0 to 23 on your own clock, not '24'."
            )
        w.clock.set(_at(21, 5))
        late = await driver.click(town.bob, dm.id, mine)
        assert late.message is not None
        assert late.message.content == f"⚠️ The hour at {_t(20)} is over."
        await w.daily_says(f"{C} {_t(20)} · **1** · Alice 👍")


async def test_a_co_player_who_opts_out_is_named_in_no_nudge(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob's usual co-player is Alice, Dee's is Carol. Alice opts out of telemetry after the
    day's regulars are known: her click at 20:00 nudges nobody; Carol's at 21:00 nudges Dee,
    who is looked at after Bob."""
    added: dict[str, Member] = {}

    def seed(emu: Emulator, town: Community, connection: sqlite3.Connection) -> None:
        for name in ("carol", "dee"):
            added[name] = emu.driver.add_member(town.guild, name)
        groups = [(town.alice, town.bob, 18), (added["carol"], added["dee"], 21)]
        recorder = Recorder(connection)
        for back in (2, 1):
            day = TODAY - timedelta(days=7 * back)
            for first, second, hour in groups:
                events = [
                    envelope(
                        voice(m.user_id, 0, town.voice.id, _at(hour, day=day), guild=m.guild_id)
                    )
                    for m in (first, second)
                ] + [
                    envelope(
                        voice(m.user_id, town.voice.id, 0, _at(hour, 50, day=day), guild=m.guild_id)
                    )
                    for m in (first, second)
                ]
                recorder.ingest(connection, events, _at(hour, 55, day=day))

    async with world(endpoints, short_tmp, history=seed) as w:
        town, driver = w.town, w.emu.driver
        carol, dee = added["carol"], added["dee"]
        await w.say(town.bob, "nudges on")
        await w.say(dee, "nudges on")
        posted = await _day(w)
        async with w.peer() as bus:
            await bus.request(
                "scheduler",
                SetTelemetryOptOut(user_id=town.alice.user_id, opted_out=True),
                expect=PrivacyReply,
                timeout=STEP,
            )
        await driver.react(town.alice, posted.id, C)
        await driver.react(carol, posted.id, D)
        dm = await _dm(w, dee)
        assert f"- {_t(21)}: carol" in dm.content
        assert not driver.dms(town.bob)
        assert await _nudges(w) == {dee.user_id: "sent"}

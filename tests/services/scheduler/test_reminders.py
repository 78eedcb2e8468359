"""Reminders end to end: the real gateway's nextcord client, telemetry and the scheduler
against the emulator, on a clock the test moves. Tuesday 10 March in Paris, hours from
18:00 (🇦) to 21:00 (🇩); the daily message is posted at noon.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import DeliveriesReply, GetDeliveries
from emulator.rules.state import Member
from emulator.simulator.seen import SeenMessage
from tests.helpers import until_answered
from tests.services.inprocess import STEP
from tests.services.scheduler.support import PARIS, World, world

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
DM_SEND = ("POST", "/channels/{channel_id}/messages")


def _at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 10, hour, minute, tzinfo=PARIS).timestamp()


def _t(hour: int) -> str:
    return f"<t:{int(_at(hour))}:t>"


async def _day(w: World) -> SeenMessage:
    await w.configure(start=18, hours=4)
    posted = await w.daily_posted()
    await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
    return posted


async def _clicked(w: World, member: Member, message: SeenMessage, *emoji: str) -> None:
    for each in emoji:
        await w.emu.driver.react(member, message.id, each)
    await w.daily_says("Alice" if member is w.town.alice else "bob")


async def _recorded(w: World, expected: list[tuple[int, int, str, int]]) -> None:
    """Wait until telemetry holds exactly ``expected`` as today's reminders."""

    async def recorded() -> bool:
        return await _deliveries(w) == expected

    await until_answered(recorded, STEP, f"today's reminders to be {expected}")


def _line(w: World, emoji: str) -> str:
    """The daily message's line for one hour."""
    return next(line for line in w.posted().content.splitlines() if line.startswith(emoji))


async def _deliveries(w: World) -> list[tuple[int, int, str, int]]:
    """(hour, member, state, channel) of today's reminders, as telemetry has them."""
    async with w.peer() as bus:
        found = await bus.request(
            "telemetry",
            GetDeliveries(guild_id=w.town.guild.id, date="2026-03-10"),
            expect=DeliveriesReply,
            timeout=STEP,
        )
    return [(d.hour, d.user_id, d.state, d.channel_id) for d in found.deliveries]


async def test_one_dm_before_the_first_hour_and_none_for_a_removed_hour(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob (19:00-20:00) gets one DM at 18:45 for both hours; Alice took 19:00 back before its
    reminder, and gets hers for 21:00 only, 30 minutes before."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        said = await w.say(town.bob, "remind on")
        assert said == (
            "Reminders are on: 15 minutes before each run of hours you are in today, by DM."
        )
        await w.say(town.alice, "remind on", minutes=30)
        await _clicked(w, town.bob, posted, B, C)
        await _clicked(w, town.alice, posted, B, D)
        await driver.unreact(town.alice, posted.id, B)
        await w.until(lambda: "Alice" not in _line(w, B), "Alice out of 19:00")
        w.clock.set(_at(18, 45))
        await w.until(lambda: len(driver.dms(town.bob)) == 1, "Bob's reminder")
        dm = driver.dms(town.bob)[0]
        assert dm.content.startswith(
            f"⏰ You play at {_t(19)} (<t:{int(_at(19))}:R>) in **Squad**."
        )
        assert dm.id in {m.id for m in driver.notifications(town.bob)}
        w.clock.set(_at(20, 30))
        await w.until(lambda: len(driver.dms(town.alice)) == 1, "Alice's reminder")
        assert _t(21) in driver.dms(town.alice)[0].content
        w.clock.set(_at(21, 30))
        expected = [
            (19, town.bob.user_id, "sent", dm.channel_id),
            (21, town.alice.user_id, "sent", driver.dms(town.alice)[0].channel_id),
        ]
        # The DM shows before the scheduler has recorded it as sent.
        await _recorded(w, expected)
        assert len(driver.dms(town.bob)) == 1
        assert len(driver.dms(town.alice)) == 1


async def test_closed_dms_fall_back_to_one_mention_and_are_not_tried_again(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob's DMs are closed: his 18:00 reminder is a mention in the daily channel that pings
    only him; his 21:00 one goes there too without trying the DM again."""

    async with world(endpoints, short_tmp, start=_at(17, 30)) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        driver.close_dms(town.bob)
        await w.say(town.bob, "remind on")
        await _clicked(w, town.bob, posted, A, D)
        tries = len(w.emu.requests.matching(*DM_SEND))
        w.clock.set(_at(17, 45))

        def mentions() -> list[SeenMessage]:
            return [m for m in driver.messages(town.text, town.alice) if m.content.startswith("⏰")]

        await w.until(lambda: len(mentions()) == 1, "the mention in the channel")
        first = mentions()[0]
        assert first.content.startswith(
            f"⏰ <@{town.bob.user_id}> you play at {_t(18)} (<t:{int(_at(18))}:R>)"
            " (your DMs are closed to the bot, so here)."
        )
        assert first.pinged == frozenset({town.bob.user_id})
        assert driver.dms(town.bob) == []
        refused = len(w.emu.requests.matching(*DM_SEND)) - tries  # the DM, then the channel
        assert refused == 2
        assert "your DMs are closed to the bot" in await w.say(town.bob, "remind show")
        w.clock.set(_at(20, 45))
        await w.until(lambda: len(mentions()) == 2, "the second mention")
        assert len(w.emu.requests.matching(*DM_SEND)) - tries == 3  # no second DM tried


async def test_channel_reminders_and_off(endpoints: Endpoints, short_tmp: Path) -> None:
    """where: channel mentions Alice in the daily channel; /remind off stops the next one."""

    async with world(endpoints, short_tmp, start=_at(17, 30)) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        await w.say(town.alice, "remind on", minutes=5, where="channel")
        assert "as a mention in the daily channel" in await w.say(town.alice, "remind show")
        await _clicked(w, town.alice, posted, A, C)
        w.clock.set(_at(17, 55))

        def mentions() -> list[SeenMessage]:
            return [m for m in driver.messages(town.text, town.bob) if m.content.startswith("⏰")]

        await w.until(lambda: len(mentions()) == 1, "Alice's mention")
        assert mentions()[0].content.startswith(f"⏰ <@{town.alice.user_id}> you play at {_t(18)}")
        assert await w.say(town.alice, "remind off") == "Your reminders are off."
        w.clock.set(_at(19, 58))
        await _recorded(w, [(18, town.alice.user_id, "sent", town.text.id)])
        assert len(mentions()) == 1
        assert "off" in await w.say(town.alice, "remind show")


async def test_bad_reminder_options_get_a_clear_private_refusal(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Minutes 0, 500 or not a number, and a place that is not dm or channel, save nothing."""

    async with world(endpoints, short_tmp) as w:

        async def remind(**options: str) -> str:
            answer = await w.relay(kind="command", command="remind on", options=options)
            assert answer.ephemeral
            return answer.content

        assert await remind(minutes="0") == (
            "⚠️ A reminder comes 5 to 120 minutes before the hour, not 0."
        )
        assert await remind(minutes="500") == (
            "⚠️ A reminder comes 5 to 120 minutes before the hour, not 500."
        )
        assert await remind(minutes="ten") == (
            "⚠️ `minutes` must be a whole number of minutes, not 'ten'."
        )
        assert await remind(where="sms") == "⚠️ `where` is dm or channel, not 'sms'."
        assert "off" in await w.say(w.town.alice, "remind show")


async def test_asking_again_tries_dms_again(endpoints: Endpoints, short_tmp: Path) -> None:
    """After a refused DM, Bob opens his DMs and runs /remind on: his next one is a DM."""

    async with world(endpoints, short_tmp, start=_at(17, 30)) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        driver.close_dms(town.bob)
        await w.say(town.bob, "remind on")
        await _clicked(w, town.bob, posted, A, C)
        w.clock.set(_at(17, 45))
        await w.until(
            lambda: any(m.content.startswith("⏰") for m in driver.messages(town.text, town.alice)),
            "the mention in the channel",
        )
        driver.open_dms(town.bob)
        assert "by DM." in await w.say(town.bob, "remind on")
        w.clock.set(_at(19, 45))
        await w.until(lambda: len(driver.dms(town.bob)) == 1, "the DM")
        assert _t(20) in driver.dms(town.bob)[0].content

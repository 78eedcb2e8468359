""" "Enough players" calls end to end: the real gateway's nextcord client, telemetry and the
scheduler against the emulator. Tuesday 10 March in Paris, hours 18:00 (🇦) to 21:00 (🇩)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bus.endpoints import Endpoints
from emulator.simulator.seen import SeenMessage
from tests.services.scheduler.support import PARIS, World, world
from tests.services.scheduler.test_reminders import _day, _recorded

C, D = "🇨", "🇩"


def _at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 10, hour, minute, tzinfo=PARIS).timestamp()


def _calls(w: World) -> list[SeenMessage]:
    return [
        m for m in w.emu.driver.messages(w.town.text, w.town.alice) if "Enough players" in m.content
    ]


async def test_a_quorum_calls_once_falls_through_and_recovers_without_a_second_ping(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Three in 21:00: one call that pings exactly them; one leaves: "fell through" by an
    edit; back: edited back, nobody pinged again; after 21:00 it is left as it is."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        assert (await w.say(town.admin, "config quorum", size=3)).startswith("Saved.")
        for member in (town.alice, town.bob):
            await driver.react(member, posted.id, D)
        await w.daily_says("**2** · Alice 👍, bob 👍")
        await driver.react(town.admin, posted.id, D)
        await w.until(lambda: len(_calls(w)) == 1, "the call")
        call = _calls(w)[0]
        start = int(_at(21))
        everyone = (town.admin.user_id, town.alice.user_id, town.bob.user_id)
        assert call.content.splitlines()[0] == (
            f"🎮 **Enough players for <t:{start}:t>** (<t:{start}:R>): "
            + ", ".join(f"<@{user}>" for user in sorted(everyone))
        )
        assert call.pinged == frozenset(everyone)
        await driver.unreact(town.bob, posted.id, D)
        await w.until(lambda: "fell through" in _calls(w)[0].content, "the call to fall through")
        fell = _calls(w)[0].content.splitlines()[0]
        assert fell.endswith(
            f"It fell through: 2 of 3 now: <@{min(everyone[:2])}>, <@{max(everyone[:2])}>."
        )
        await driver.react(town.bob, posted.id, D)
        await w.until(lambda: _calls(w)[0].content == call.content, "the call back")
        assert len(_calls(w)) == 1
        assert [m.id for m in driver.notifications(town.bob) if "Enough" in m.content] == [call.id]
        await _recorded(w, [(21, 0, "sent", town.text.id)])
        w.clock.set(_at(21, 1))
        await driver.unreact(town.alice, posted.id, D)
        await w.daily_says("**2** · admin 👍, bob 👍")
        assert _calls(w)[0].content == call.content  # the hour has started: left as it was


async def test_a_calls_channel_and_bad_sizes(endpoints: Endpoints, short_tmp: Path) -> None:
    """Calls can go to another channel; a quorum of 1 or 21 is refused, 0 turns calls off."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        refused = await w.say(town.admin, "config quorum", size=1)
        assert refused == "⚠️ A call needs 2 players at least (0 turns calls off)."
        tampered = await w.relay(
            kind="command",
            member=town.admin,
            permissions=1 << 5,  # Manage Server
            command="config quorum",
            options={"size": "21"},
        )  # Discord's own bound (max 20) is not trusted
        assert tampered.content == "⚠️ `size` must be between 0 and 20, not 21."
        voice = await w.say(town.admin, "config quorum", size=2, channel=town.voice.id)
        assert voice == "⚠️ Calls need a text channel."
        calls = driver.add_text_channel(town.guild, "calls")
        await w.until(lambda: calls.id in w.scheduler.roster.guild(town.guild.id).channels, "it")
        saved = await w.say(town.admin, "config quorum", size=2, channel=calls.id)
        assert f"Enough-players calls: from 2 players, in <#{calls.id}>" in saved
        for member in (town.alice, town.bob):
            await driver.react(member, posted.id, D)
        await w.until(
            lambda: any("Enough players" in m.content for m in driver.messages(calls, town.alice)),
            "the call in #calls",
        )
        off = await w.say(town.admin, "config quorum", size=0)
        assert "Enough-players calls: off" in off


async def _events_on(w: World) -> SeenMessage:
    town = w.town
    posted = await _day(w)
    refused = await w.say(town.admin, "config events", enabled=True)
    assert refused.startswith("⚠️ Count a voice channel first")
    await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
    await w.say(town.admin, "config quorum", size=2)
    saved = await w.say(town.admin, "config events", enabled=True)
    assert "Discord events for those hours: on" in saved
    return posted


async def test_an_event_is_created_updated_started_and_completed(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Two in 20:00: a voice event in the counted channel from 20:00 to 21:00; a third
    joins: its name says so; at 20:00 it is active, at 21:00 completed."""

    async with world(endpoints, short_tmp, discord_follows=True) as w:
        town, driver = w.town, w.emu.driver
        posted = await _events_on(w)
        for member in (town.alice, town.bob):
            await driver.react(member, posted.id, C)
        await w.until(lambda: len(driver.scheduled_events(town.guild)) == 1, "the event")
        event = driver.scheduled_events(town.guild)[0]
        assert event.name == "🎮 2 players: Alice, bob"
        assert event.channel_id == town.voice.id
        assert event.scheduled_start_time.timestamp() == _at(20)
        assert event.scheduled_end_time is not None
        assert event.scheduled_end_time.timestamp() == _at(21)
        assert event.description is not None
        assert event.description.startswith("In: Alice, bob.")
        await driver.react(town.admin, posted.id, C)
        await w.until(
            lambda: driver.scheduled_events(town.guild)[0].name.startswith("🎮 3 players"),
            "the event to say who joined",
        )
        w.clock.set(_at(20, 0) + 30)
        await w.until(lambda: driver.scheduled_events(town.guild)[0].status == 2, "active")
        w.clock.set(_at(21, 0) + 30)
        await w.until(lambda: driver.scheduled_events(town.guild)[0].status == 3, "completed")
        assert len(driver.scheduled_events(town.guild)) == 1
        calls = w.scheduler.calls
        assert calls is not None
        assert calls.remembered == 2  # the call and the event of 20:00
        w.clock.set(_at(21, 0) + 2 * 86_400)  # two days later, two more daily messages
        await w.until(lambda: calls.remembered == 0, "finished hours forgotten")


async def test_an_event_that_falls_through_is_cancelled_and_not_made_again(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """21:00 reaches two, then one: the event is cancelled; back to two: no second event."""

    async with world(endpoints, short_tmp, discord_follows=True) as w:
        town, driver = w.town, w.emu.driver
        posted = await _events_on(w)
        for member in (town.alice, town.bob):
            await driver.react(member, posted.id, D)
        await w.until(lambda: len(driver.scheduled_events(town.guild)) == 1, "the event")
        await driver.unreact(town.bob, posted.id, D)
        await w.until(lambda: driver.scheduled_events(town.guild)[0].status == 4, "cancelled")
        await driver.react(town.bob, posted.id, D)
        await w.until(lambda: "Enough players" in _calls(w)[0].content.split("~~")[0], "call back")
        assert [e.status for e in driver.scheduled_events(town.guild)] == [4]


async def test_an_event_deleted_in_discord_is_not_made_again_nor_looked_for(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A moderator deletes the 20:00 event; after a restart of the scheduler, members joining
    the hour bring no new event, and Discord's list of events is read once, not per change."""

    async with world(endpoints, short_tmp, discord_follows=True, scheduler=False) as w:
        town, driver = w.town, w.emu.driver
        async with w.scheduler_running():
            posted = await _events_on(w)
            for member in (town.alice, town.bob):
                await driver.react(member, posted.id, C)
            await w.until(lambda: len(driver.scheduled_events(town.guild)) == 1, "the event")
            [event] = driver.scheduled_events(town.guild)
            w.emu.actions.delete_scheduled_event(event)
        listed = ("GET", "/guilds/{guild_id}/scheduled-events")
        before = len(w.emu.requests.matching(*listed))
        async with w.scheduler_running():
            await w.until(lambda: len(w.emu.requests.matching(*listed)) > before, "the events read")
            read = len(w.emu.requests.matching(*listed))
            await driver.react(town.admin, posted.id, C)
            await w.daily_says(f"{C} <t:{int(_at(20))}:t> · **3**")
            await driver.unreact(town.admin, posted.id, C)
            await w.daily_says(f"{C} <t:{int(_at(20))}:t> · **2**")
            mention = f"<@{town.admin.user_id}>"
            await w.until(lambda: mention not in _calls(w)[0].content, "the call in step")
            assert driver.scheduled_events(town.guild) == []
            assert len(w.emu.requests.matching(*listed)) - read <= 1

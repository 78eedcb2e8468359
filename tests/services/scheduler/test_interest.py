""" "Interested" on an hour's Discord event end to end: the real gateway's nextcord client,
telemetry and the scheduler against the emulator. Tuesday 10 March in Paris, 🇨 is 20:00."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import DayStateReply, GetDayState
from emulator.rules.scheduled_event_rules import EventFields
from emulator.rules.state import EventEntityType
from tests.services.inprocess import STEP
from tests.services.scheduler.support import World, world
from tests.services.scheduler.test_calls import C, _events_on
from tests.services.scheduler.test_maybe import TODAY


async def _interested(w: World) -> list[tuple[int, int, bool]]:
    """(member, hour, cancelled) of today's ``interested`` marks, as telemetry stores them."""
    async with w.peer() as bus:
        day = await bus.request(
            "telemetry",
            GetDayState(guild_id=w.town.guild.id, date=TODAY.isoformat()),
            expect=DayStateReply,
            timeout=STEP,
        )
    return [(m.user_id, m.hour, m.cancelled) for m in day.marks if m.source == "interested"]


async def test_an_interested_click_is_an_in_and_un_clicking_takes_it_back(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice and Bob in 20:00 make its event; the admin clicks "Interested": in, with 🔔, and
    the event's name follows; the bot's own edits and its own click mark nobody; a click on a
    moderator's event is no in; un-clicking takes the admin out again, clicking puts them back:
    one mark, stored once."""

    async with world(endpoints, short_tmp, discord_follows=True) as w:
        town, driver, actions = w.town, w.emu.driver, w.emu.actions
        posted = await _events_on(w)
        for member in (town.alice, town.bob):
            await driver.react(member, posted.id, C)
        await w.until(lambda: len(driver.scheduled_events(town.guild)) == 1, "the event")
        [event] = driver.scheduled_events(town.guild)
        theirs = actions.create_scheduled_event(
            town.guild.id,
            EventFields(
                name="Tournament",
                entity_type=EventEntityType.EXTERNAL,
                scheduled_start_time=event.scheduled_start_time,
                scheduled_end_time=event.scheduled_start_time + timedelta(hours=2),
                channel_id=None,
                location="Online",
                description=None,
                image=None,
            ),
            creator_id=town.admin.user_id,
        )
        await driver.mark_interested(town.alice, theirs)  # a moderator's event: no in
        actions.mark_interested(event, w.emu.bot_id, interested=True)  # the bot's own: none
        await driver.mark_interested(town.admin, event)
        posted = await w.daily_says("· **3** · Alice 👍, bob 👍, admin 🔔", "🔔 interested")
        await w.until(
            lambda: driver.scheduled_events(town.guild)[0].name.startswith("🎮 3 players"),
            "the bot's edit of its event",
        )
        hour = 20
        assert await _interested(w) == [(town.admin.user_id, hour, False)]
        await driver.mark_interested(town.admin, event, interested=False)
        await w.daily_says("· **2** · Alice 👍, bob 👍\n")
        assert "🔔" not in w.posted().content
        assert await _interested(w) == [(town.admin.user_id, hour, True)]
        await driver.mark_interested(town.admin, event)  # again: the same row, in once more
        await w.daily_says("· **3** · Alice 👍, bob 👍, admin 🔔")
        assert await _interested(w) == [(town.admin.user_id, hour, False)]


async def test_clicks_made_while_the_scheduler_is_down_are_found_on_discord(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The scheduler stops; meanwhile m00000 clicks "Interested" on 20:00's event and Bob,
    interested before, takes his click back: the next scheduler reads the event's list on
    Discord and the message shows m00000's 🔔, not Bob's; each stored once."""

    async with world(endpoints, short_tmp, scheduler=False, discord_follows=True, crowd=1) as w:
        town, driver = w.town, w.emu.driver
        users = w.emu.world.users
        members = w.emu.world.guilds[town.guild.id].members.values()
        [late] = [m for m in members if users[m.user_id].username == "m00000"]
        async with w.scheduler_running():
            posted = await _events_on(w)
            for member in (town.alice, town.admin):
                await driver.react(member, posted.id, C)
            await w.until(lambda: len(driver.scheduled_events(town.guild)) == 1, "the event")
            [event] = driver.scheduled_events(town.guild)
            await driver.mark_interested(town.bob, event)
            await w.daily_says("· **3** · admin 👍, Alice 👍, bob 🔔")
        await driver.mark_interested(late, event)
        await driver.mark_interested(town.bob, event, interested=False)
        async with w.scheduler_running():
            await w.daily_says("· **3** · admin 👍, Alice 👍, m00000 🔔")
            assert "bob" not in w.posted().content
            assert sorted(await _interested(w)) == sorted(
                [(late.user_id, 20, False), (town.bob.user_id, 20, True)]
            )

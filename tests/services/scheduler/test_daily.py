"""The daily message end to end: posted on time, once, and always saying who is in."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

from bus.endpoints import Endpoints
from services.scheduler.daily import NOT_TODAY, OPEN_SCHEDULE
from services.scheduler.schedules import PICK_HOURS
from tests.helpers import eventually, run
from tests.services.scheduler.support import PARIS, World, world

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
POST = "POST /channels/{channel_id}/messages"


def _t(hour: int, day: int = 10, month: int = 3) -> str:
    return f"<t:{int(datetime(2026, month, day, hour, tzinfo=PARIS).timestamp())}:t>"


def _at(hour: int, minute: int = 0, day: int = 10, month: int = 3) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).timestamp()


def _posts(w: World) -> int:
    return len(w.emu.requests.matching("POST", "/channels/{channel_id}/messages"))


def _hour_lines(w: World) -> list[str]:
    return [line for line in w._daily().content.splitlines() if line[:1] in (A, B, C, D)]


def test_scripted_day_shows_exactly_who_is_in(endpoints: Endpoints, short_tmp: Path) -> None:
    """Reactions, a usual schedule, voice and a rank emoji give exactly the expected text."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            town, driver = w.town, w.emu.driver
            await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
            await w.say(town.admin, "config rank", role=town.admins.id, emoji="👑")
            await w.configure(start=18, hours=4)
            posted = await w.daily_posted()
            await w.until(lambda: len(w._daily().reactions) == 4, "the four hour reactions")
            assert [r.emoji for r in w._daily().reactions] == [A, B, C, D]
            editor = (await w.slash(town.bob, "schedule edit")).message
            assert editor is not None
            await driver.select(town.bob, editor.id, f"{PICK_HOURS}1", ["20", "21"])
            await driver.react(town.alice, posted.id, B)
            await driver.react(town.bob, posted.id, B)
            await driver.react(town.alice, posted.id, C)
            await driver.unreact(town.alice, posted.id, C)
            await driver.react(town.alice, posted.id, "🎉")  # not an hour: ignored
            w.clock.set(_at(19, 10))
            await driver.join_voice(town.admin, town.voice)
            await w.daily_says("👑 admin 🎧")
            w.clock.set(_at(20, 0))  # a new hour with the admin still in voice
            shown = await w.daily_says(f"{C} {_t(20)} · **2** · 👑 admin 🎧")
            assert shown.content == "\n".join(
                [
                    "## Who plays today? Tuesday 10 March",
                    "React with the hours you will play. 👍 reacted · 📅 usual hours · 🎧 in voice",
                    "",
                    f"{A} {_t(18)} · nobody yet",
                    f"{B} {_t(19)} · **3** · 👑 admin 🎧, Alice 👍, bob 👍",
                    f"{C} {_t(20)} · **2** · 👑 admin 🎧, bob 📅",
                    f"{D} {_t(21)} · **1** · bob 📅",
                    "-# squadtime · 2026-03-10 · Europe/Paris · times are shown in your own"
                    " timezone",
                ]
            )
            assert _posts(w) == 1

    run(scenario())


def test_posted_at_the_local_post_time_once_a_day(endpoints: Endpoints, short_tmp: Path) -> None:
    """Nothing before 18:00; one message at 18:00; the next day's at 18:00 the next day."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            await w.configure(start=19, hours=3, time="18:00")
            await w.say(w.town.admin, "config show")  # a round trip: the tick has run
            assert w.daily() is None
            w.clock.set(_at(18, 0))
            first = await w.daily_posted()
            assert "Tuesday 10 March" in first.content
            w.clock.set(_at(23, 0))
            await w.say(w.town.admin, "config show")
            assert _posts(w) == 1
            w.clock.set(_at(18, 0, day=11))
            await w.until(lambda: w._daily().id != first.id, "Wednesday's message")
            assert "Wednesday 11 March" in w._daily().content
            assert _posts(w) == 2

    run(scenario())


def test_a_reaction_on_yesterdays_message_changes_nothing(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Once today's message is out, clicks on yesterday's are ignored."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            await w.configure(start=19, hours=3, time="18:00")
            w.clock.set(_at(18, 0))
            yesterday = await w.daily_posted()
            await w.until(lambda: len(w._daily().reactions) == 3, "the hour reactions")
            w.clock.set(_at(18, 0, day=11))
            await w.until(lambda: w._daily().id != yesterday.id, "the next message")
            today = w._daily()
            await w.emu.driver.react(w.town.alice, yesterday.id, A)
            await w.emu.driver.react(w.town.bob, today.id, A)
            await w.daily_says("bob 👍")
            assert "Alice" not in w._daily().content
            assert "Alice" not in w.emu.driver.message(yesterday.id, w.town.bob).content

    run(scenario())


def test_a_burst_of_fifty_reactions_gives_at_most_three_edits(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """50 clicks in 2 s: the emulator sees at most 3 edits, the last soon after the last click."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            await w.configure(start=18, hours=4)
            posted = await w.daily_posted()
            await w.until(lambda: len(w._daily().reactions) == 4, "the hour reactions")
            players = [w.emu.driver.add_member(w.town.guild, f"p{n:02d}") for n in range(25)]
            await w.until(
                lambda: len(w.scheduler.roster.guild(w.town.guild.id).members) >= 28,
                "the new members",
            )
            edits_before = len(w.emu.requests.matching("PATCH", EDIT.split(" ")[1]))
            burst_start = time.monotonic()
            for player in players:
                for emoji in (A, C):
                    await w.emu.driver.react(player, posted.id, emoji)
                    await asyncio.sleep(0.04)  # pacing the burst over 2 s, not synchronising
            last_click = time.monotonic()
            await w.daily_says(f"{A} {_t(18)} · **25** ·", f"{C} {_t(20)} · **25** ·")
            await asyncio.sleep(1.5)  # room for an edit too many to show up
            edits = w.emu.requests.matching("PATCH", EDIT.split(" ")[1])[edits_before:]
            assert 1 <= len(edits) <= 3
            assert all(e.at >= burst_start for e in edits)
            assert edits[-1].at - last_click < 1.2
            assert _hour_lines(w)[1] == f"{B} {_t(19)} · nobody yet"

    run(scenario())


def test_not_today_takes_usual_hours_back(endpoints: Endpoints, short_tmp: Path) -> None:
    """A scheduled member clicks "Not today": off today's list, reactions still count."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            town, driver = w.town, w.emu.driver
            await w.configure(start=18, hours=4)
            posted = await w.daily_posted()
            opened = await driver.click(town.bob, posted.id, OPEN_SCHEDULE)
            assert opened.message is not None
            assert opened.ephemeral
            await driver.select(town.bob, opened.message.id, f"{PICK_HOURS}1", ["18", "19"])
            await w.daily_says(f"{B} {_t(19)} · **1** · bob 📅")
            off = await driver.click(town.bob, posted.id, NOT_TODAY)
            assert off.message is not None
            assert off.message.content == (
                "You are off today's list for your usual hours (18:00, 19:00)."
                " React with an hour to be back in it."
            )
            await driver.react(town.bob, posted.id, B)
            await w.daily_says(f"{B} {_t(19)} · **1** · bob 👍")
            assert _hour_lines(w)[0] == f"{A} {_t(18)} · nobody yet"
            nothing = await driver.click(town.alice, posted.id, NOT_TODAY)
            assert nothing.message is not None
            assert "You have no usual hours today" in nothing.message.content

    run(scenario())


def test_the_window_wraps_past_midnight(endpoints: Endpoints, short_tmp: Path) -> None:
    """22:00 for 4 hours: 00:00 and 01:00 are the next date; voice at 00:30 marks hour 0."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp, start=_at(21, 0)) as w:
            town = w.town
            await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
            await w.configure(start=22, hours=4, time="21:00")
            posted = await w.daily_posted()
            assert [line.split(" · ")[0] for line in _hour_lines(w)] == [
                f"{A} {_t(22)}",
                f"{B} {_t(23)}",
                f"{C} {_t(0, day=11)}",
                f"{D} {_t(1, day=11)}",
            ]
            await w.emu.driver.react(town.alice, posted.id, B)
            w.clock.set(_at(0, 30, day=11))
            await w.emu.driver.join_voice(town.bob, town.voice)
            await w.daily_says(f"{C} {_t(0, day=11)} · **1** · bob 🎧", "Alice 👍")
            assert "2026-03-10" in w._daily().content.splitlines()[-1]
            assert _posts(w) == 1

    run(scenario())


def test_a_daylight_saving_day_has_no_hour_that_never_happens(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """On 29 March in Paris 02:00 does not exist: 01:00 and 03:00 only, two reactions."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp, start=_at(0, 30, day=29)) as w:
            await w.configure(start=1, hours=3, time="00:00")
            await w.daily_posted()
            await w.until(lambda: len(w._daily().reactions) == 2, "the two hour reactions")
            assert [r.emoji for r in w._daily().reactions] == [A, C]
            assert [line.split(" · ")[0] for line in _hour_lines(w)] == [
                f"{A} {_t(1, day=29)}",
                f"{C} {_t(3, day=29)}",
            ]
            assert int(_t(3, day=29)[3:-3]) - int(_t(1, day=29)[3:-3]) == 3600

    run(scenario())


def test_guilds_are_independent(endpoints: Endpoints, short_tmp: Path) -> None:
    """A second server gets its own message, window and marks."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            driver = w.emu.driver
            other = driver.add_guild("Other")
            boss_role = driver.add_role(other, "Boss", permissions=1 << 5)
            lounge = driver.add_text_channel(other, "lounge")
            boss = driver.add_member(other, "boss", roles=[boss_role])
            await w.until(lambda: other.id in w.scheduler.roster.guilds, "the new guild")
            await w.configure(start=18, hours=4)
            mine = await w.daily_posted()

            async def other_says(command: str, **options: int | str) -> None:
                outcome = await driver.slash(boss, lounge, command, options)
                assert outcome.message is not None
                assert outcome.message.content.startswith("Saved.")

            await other_says("config window", start=10, hours=2)
            await other_says("config channel", channel=lounge.id)
            theirs = await driver.wait_for_message(
                lounge, boss, lambda m: m.content.startswith("## Who plays"), timeout=10.0
            )
            await driver.react(boss, theirs.id, A)
            await driver.react(w.town.alice, mine.id, A)
            await w.daily_says(f"{A} {_t(18)} · **1** · Alice 👍")
            await driver.wait_until(
                lambda: "**1** · boss 👍" in driver.message(theirs.id, boss).content, timeout=10.0
            )
            assert "boss" not in w._daily().content
            assert len(_hour_lines(w)) == 4

    run(scenario())


def test_changing_the_window_after_the_post_updates_hours_and_reactions(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A shorter window: its hours are shown, the bot's reactions for the others are gone."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            await w.configure(start=18, hours=4)
            posted = await w.daily_posted()
            await w.until(lambda: len(w._daily().reactions) == 4, "the four hour reactions")
            await w.emu.driver.react(w.town.alice, posted.id, D)
            await w.say(w.town.admin, "config window", start=20, hours=2)
            await w.until(
                lambda: (
                    [r.emoji for r in w._daily().reactions if r.count and w.emu.bot_id in r.users]
                    == [A, B]
                ),
                "the bot's reactions for the new window only",
            )
            await w.daily_says(f"{A} {_t(20)} · nobody yet", f"{B} {_t(21)} · nobody yet")
            assert len(_hour_lines(w)) == 2
            assert [r.emoji for r in w._daily().reactions if r.count] == [A, B, D]  # Alice's stays

    run(scenario())


def test_a_twenty_hour_window_gets_twenty_reactions(endpoints: Endpoints, short_tmp: Path) -> None:
    """The largest window Discord allows: 20 hours, 20 distinct reactions, 20 hour lines."""

    async def scenario() -> None:
        async with world(endpoints, short_tmp) as w:
            await w.configure(start=4, hours=20)
            await w.daily_posted()
            await eventually(lambda: len(w._daily().reactions) == 20, 40.0, "20 reactions")
            lines = [line for line in w._daily().content.splitlines() if "<t:" in line]
            assert len(lines) == 20
            assert lines[-1].startswith(f"{chr(0x1F1E6 + 19)} {_t(23)}")

    run(scenario(), timeout=90.0)

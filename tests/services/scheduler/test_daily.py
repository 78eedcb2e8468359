"""The daily message end to end: posted on time, once, and always saying who is in."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from bus.errors import RequestTimeout
from bus.protocol import FetchMessage, ReplyMessage, Request, SendMessage
from emulator.rules.permissions import Permission
from services.scheduler.commands.schedule import hours_id
from services.scheduler.daily import NOT_TODAY, OPEN_SCHEDULE
from tests.helpers import eventually
from tests.services.scheduler.support import PARIS, World, world

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
POST = "POST /channels/{channel_id}/messages"
QUICK_RETRY = 0.2  # real seconds: the tests that wait for the scheduler to try again


def _t(hour: int, day: int = 10, month: int = 3) -> str:
    return f"<t:{int(datetime(2026, month, day, hour, tzinfo=PARIS).timestamp())}:t>"


def _at(hour: int, minute: int = 0, day: int = 10, month: int = 3) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).timestamp()


def _posts(w: World) -> int:
    return len(w.emu.requests.matching("POST", "/channels/{channel_id}/messages"))


def _hour_lines(w: World) -> list[str]:
    return [line for line in w.posted().content.splitlines() if line[:1] in (A, B, C, D)]


async def test_scripted_day_shows_exactly_who_is_in(endpoints: Endpoints, short_tmp: Path) -> None:
    """Reactions, a usual schedule, voice and a rank emoji give exactly the expected text."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
        await w.say(town.admin, "config rank", role=town.admins.id, emoji="👑")
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the four hour reactions")
        assert [r.emoji for r in w.posted().reactions] == [A, B, C, D]
        editor = (await w.slash(town.bob, "schedule edit")).message
        assert editor is not None
        await driver.select(town.bob, editor.id, hours_id(1), ["20", "21"])
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
                "-# squadtime · 2026-03-10 · Europe/Paris · times are shown in your own timezone",
            ]
        )
        assert _posts(w) == 1


async def test_posted_at_the_local_post_time_once_a_day(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Nothing before 18:00; one message at 18:00; the next day's at 18:00 the next day."""

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
        await w.until(lambda: w.posted().id != first.id, "Wednesday's message")
        assert "Wednesday 11 March" in w.posted().content
        assert _posts(w) == 2


async def test_a_reaction_on_yesterdays_message_changes_nothing(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Once today's message is out, clicks on yesterday's are ignored."""

    async with world(endpoints, short_tmp) as w:
        await w.configure(start=19, hours=3, time="18:00")
        w.clock.set(_at(18, 0))
        yesterday = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 3, "the hour reactions")
        w.clock.set(_at(18, 0, day=11))
        await w.until(lambda: w.posted().id != yesterday.id, "the next message")
        today = w.posted()
        await w.emu.driver.react(w.town.alice, yesterday.id, A)
        await w.emu.driver.react(w.town.bob, today.id, A)
        await w.daily_says("bob 👍")
        assert "Alice" not in w.posted().content
        assert "Alice" not in w.emu.driver.message(yesterday.id, w.town.bob).content


async def test_a_burst_of_fifty_reactions_gives_at_most_three_edits(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """50 clicks in 2 s: the emulator sees at most 3 edits, the last soon after the last click."""

    async with world(endpoints, short_tmp) as w:
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
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
        guild = w.scheduler.days.guilds[w.town.guild.id] if w.scheduler.days else None
        assert guild is not None
        assert guild.coalescer is not None
        coalescer = guild.coalescer
        await w.until(lambda: not coalescer.pending, "no edit left to make")
        edits = w.emu.requests.matching("PATCH", EDIT.split(" ")[1])[edits_before:]
        assert 1 <= len(edits) <= 3
        assert all(e.at >= burst_start for e in edits)
        assert edits[-1].at - last_click < 1.2
        assert _hour_lines(w)[1] == f"{B} {_t(19)} · nobody yet"


async def test_not_today_takes_usual_hours_back(endpoints: Endpoints, short_tmp: Path) -> None:
    """A scheduled member clicks "Not today": off today's list, reactions still count."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        opened = await driver.click(town.bob, posted.id, OPEN_SCHEDULE)
        assert opened.message is not None
        assert opened.ephemeral
        await driver.select(town.bob, opened.message.id, hours_id(1), ["18", "19"])
        await w.daily_says(f"{B} {_t(19)} · **1** · bob 📅")
        off = await driver.click(town.bob, posted.id, NOT_TODAY)
        assert off.message is not None
        assert off.message.content == (
            f"You are off today's list for {_t(18)}, {_t(19)}. React with an hour to be back in it."
        )
        await driver.react(town.bob, posted.id, B)
        await w.daily_says(f"{B} {_t(19)} · **1** · bob 👍")
        assert _hour_lines(w)[0] == f"{A} {_t(18)} · nobody yet"
        nothing = await driver.click(town.alice, posted.id, NOT_TODAY)
        assert nothing.message is not None
        assert "You have no usual hours today" in nothing.message.content


async def test_the_window_wraps_past_midnight(endpoints: Endpoints, short_tmp: Path) -> None:
    """22:00 for 4 hours: 00:00 and 01:00 are the next date; voice at 00:30 marks hour 0."""

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
        assert "2026-03-10" in w.posted().content.splitlines()[-1]
        assert _posts(w) == 1


async def test_a_daylight_saving_day_has_no_hour_that_never_happens(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """On 29 March in Paris 02:00 does not exist: 01:00 and 03:00 only, two reactions."""

    async with world(endpoints, short_tmp, start=_at(0, 30, day=29)) as w:
        await w.configure(start=1, hours=3, time="00:00")
        await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 2, "the two hour reactions")
        assert [r.emoji for r in w.posted().reactions] == [A, C]
        assert [line.split(" · ")[0] for line in _hour_lines(w)] == [
            f"{A} {_t(1, day=29)}",
            f"{C} {_t(3, day=29)}",
        ]
        assert int(_t(3, day=29)[3:-3]) - int(_t(1, day=29)[3:-3]) == 3600


async def test_guilds_are_independent(endpoints: Endpoints, short_tmp: Path) -> None:
    """A second server gets its own message, window and marks."""

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

        await other_says("config window", start=10, hours=10)
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
        assert "boss" not in w.posted().content
        assert len(_hour_lines(w)) == 4


async def test_a_window_changed_after_the_post_applies_from_the_next_message(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Today's message keeps its hours (clicks keep their meaning); tomorrow's has the new ones."""

    async with world(endpoints, short_tmp) as w:
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the four hour reactions")
        await w.emu.driver.react(w.town.alice, posted.id, A)
        await w.daily_says(f"{A} {_t(18)} · **1** · Alice 👍")
        said = await w.say(w.town.admin, "config window", start=20, hours=2)
        assert "applies from the next daily message" in said
        await w.say(w.town.admin, "config show")  # a round trip: the change is taken in
        assert _hour_lines(w)[0] == f"{A} {_t(18)} · **1** · Alice 👍"
        assert len(_hour_lines(w)) == 4
        w.clock.set(_at(12, 0, day=11))
        await w.until(lambda: w.posted().id != posted.id, "Wednesday's message")
        await w.until(lambda: len(w.posted().reactions) == 2, "two hour reactions")
        assert [line.split(" · ")[0] for line in _hour_lines(w)] == [
            f"{A} {_t(20, day=11)}",
            f"{B} {_t(21, day=11)}",
        ]


async def test_a_post_that_fails_is_posted_at_the_next_try(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first send times out: the next try posts, once."""

    async with world(endpoints, short_tmp, retry=QUICK_RETRY) as w:
        days = w.scheduler.days
        assert days is not None
        real_ask = days.ask
        failures: list[str] = []

        async def flaky[R: ReplyMessage](
            target: str, request: Request, expect: type[R], **kw: float
        ) -> R:
            if isinstance(request, SendMessage) and not failures:
                failures.append("send")
                raise RequestTimeout("gateway", "send_message", 30.0)
            return await real_ask(target, request, expect, **kw)

        monkeypatch.setattr(days, "ask", flaky)
        await w.configure(start=18, hours=4)
        await w.until(lambda: failures == ["send"], "the failed send")
        assert w.daily() is None
        await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the four hour reactions")
        assert _posts(w) == 1


async def test_a_members_look_alike_is_not_taken_for_the_daily_message(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A member posting the day's last line cannot make the bot adopt their message."""

    async with world(endpoints, short_tmp) as w:
        await w.configure(start=19, hours=2, time="18:00")
        fake = "## Who plays today? Tuesday 10 March\n-# squadtime · 2026-03-10 · fake"
        await w.emu.driver.say(w.town.alice, w.town.text, fake)
        w.clock.set(_at(18, 0))
        await w.until(lambda: _posts(w) == 1, "the bot's own post")
        ours = [
            m
            for m in w.emu.driver.messages(w.town.text, w.town.bob)
            if m.author_id == w.emu.bot_id and m.content.startswith("## Who")
        ]
        assert len(ours) == 1
        await w.until(
            lambda: len(w.emu.driver.message(ours[0].id, w.town.bob).reactions) == 2,
            "the hour reactions on the bot's message",
        )


async def test_a_click_during_a_reconciliation_is_not_undone(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member clicks while the bot reads the message's reactions: the click stands."""

    async with world(endpoints, short_tmp) as w:
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the four hour reactions")
        days = w.scheduler.days
        assert days is not None
        guild = days.guilds[w.town.guild.id]
        await w.until(
            lambda: guild.clicked is None and not guild.stale, "the post's own reconciliation"
        )
        real_ask = days.ask
        clicked: list[int] = []

        async def slow_read[R: ReplyMessage](
            target: str, request: Request, expect: type[R], **kw: float
        ) -> R:
            reply = await real_ask(target, request, expect, **kw)
            if isinstance(request, FetchMessage) and not clicked:
                clicked.append(1)  # Alice clicks after the reactions were read
                await w.emu.driver.react(w.town.alice, posted.id, B)
                await w.until(lambda: bool(guild.clicked), "the click to arrive")
            return reply

        monkeypatch.setattr(days, "ask", slow_read)
        days.reconnected(w.town.guild.id)
        await w.until(lambda: clicked == [1] and guild.clicked is None, "the reconciliation")
        await w.daily_says(f"{B} {_t(19)} · **1** · Alice 👍")


@pytest.mark.within(90.0)
async def test_a_twenty_hour_window_gets_twenty_reactions(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The largest window Discord allows: 20 hours, 20 distinct reactions, 20 hour lines,
    the reactions added at Discord's pace (the scheduler waits for them all)."""

    async with world(endpoints, short_tmp, paced_reactions=True) as w:
        await w.configure(start=4, hours=20)
        await w.daily_posted()
        await eventually(lambda: len(w.posted().reactions) == 20, 40.0, "20 reactions")
        lines = [line for line in w.posted().content.splitlines() if "<t:" in line]
        assert len(lines) == 20
        assert lines[-1].startswith(f"{chr(0x1F1E6 + 19)} {_t(23)}")


async def test_a_channel_the_bot_cannot_post_in_is_retried_and_said_once(
    endpoints: Endpoints, short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Send Messages denied in the daily channel: refused with 50013, one clear warning, no
    crash; once an admin grants it, the day's message is posted, once, at the next try."""

    async with world(endpoints, short_tmp, retry=QUICK_RETRY) as w:
        driver = w.emu.driver
        bot = driver.bot(w.town.guild)
        driver.set_overwrite(w.town.text, bot, deny=Permission.SEND_MESSAGES)

        def answers() -> list[tuple[int, object]]:
            sent = w.emu.requests.matching("POST", "/channels/{channel_id}/messages")
            return [
                (r.status, isinstance(r.response, dict) and r.response.get("code")) for r in sent
            ]

        with caplog.at_level(logging.INFO, logger="services.scheduler"):
            await w.configure(start=18, hours=4)
            await w.until(lambda: len(answers()) >= 2, "a refused post and its retry")
            assert set(answers()) == {(403, 50013)}
            assert w.daily() is None
            driver.remove_overwrite(w.town.text, bot)
            await w.daily_posted()
            await w.until(lambda: len(w.posted().reactions) == 4, "the four hour reactions")
        assert [status for status, _ in answers() if status != 403] == [200]
        warned = [
            r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.WARNING and "Missing Permissions" in r.getMessage()
        ]
        assert len(warned) == 1, warned
        assert str(w.town.text.id) in warned[0]

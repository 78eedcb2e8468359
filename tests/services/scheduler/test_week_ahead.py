"""The week ahead end to end: ``/week`` and the weekly post, through the real gateway's
nextcord client, telemetry and the scheduler against the emulator, on a clock the test
moves. A Paris community, hours 18:00 (🇦) to 21:00 (🇩), in March 2026: North America moves
its clocks on Sunday 8 March, Europe on Sunday 29 March, so for three weeks New York is five
hours behind Paris instead of six.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from bus.client import BusClient
from bus.clock import SETTING
from bus.endpoints import Endpoints
from bus.protocol import DeliveriesReply, GetDeliveries, MessageSent
from emulator import Emulator
from emulator.rules.state import Member
from emulator.simulator.driver import Driver, Refused
from emulator.simulator.seen import SeenMessage
from services.scheduler import once
from services.scheduler.commands.schedule import day_id, hours_id
from services.scheduler.daily import MAYBE_BUTTON
from services.scheduler.engines.weekpost import KIND, WHOLE_DAY
from services.scheduler.maybe import pick_id
from services.telemetry.service import Telemetry
from tests.emulator.support import Community, small_community
from tests.helpers import eventually, until_answered
from tests.services.gateway.support import running_gateway
from tests.services.inprocess import STEP, running
from tests.services.processes import ServiceProcess
from tests.services.scheduler.support import PARIS, World, world

NEW_YORK = "America/New_York"
A, B, C, D = "🇦", "🇧", "🇨", "🇩"
HEADER = "## The week ahead"
THURSDAY, SUNDAY, MONDAY = date(2026, 3, 5), date(2026, 3, 8), date(2026, 3, 9)
AWAY_MONDAY = {"from": "2026-03-09", "until": "2026-03-09"}


def _at(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


async def _usual(w: World, member: Member, weekday: int, *hours: int) -> None:
    """Save usual hours on the community's clock through the editor."""
    await _pick_usual(w.emu.driver, w.town, member, weekday, *hours)


async def _pick_usual(
    driver: Driver, town: Community, member: Member, weekday: int, *hours: int
) -> None:
    editor = (await driver.slash(member, town.text, "schedule edit")).message
    assert editor is not None
    await driver.select(member, editor.id, day_id(), [str(weekday)])
    picked = await driver.select(member, editor.id, hours_id(weekday), [str(h) for h in hours])
    assert picked.message is not None


async def _maybe(w: World, member: Member, posted: SeenMessage, day: date, hour: int) -> None:
    """Say maybe for one hour of today's message."""
    menu = (await w.emu.driver.click(member, posted.id, MAYBE_BUTTON)).message
    assert menu is not None
    picked = await w.emu.driver.select(member, menu.id, pick_id(day), [str(hour)])
    assert picked.message is not None


def _week_posts(w: World) -> list[SeenMessage]:
    return [
        m for m in w.emu.driver.messages(w.town.text, w.town.alice) if m.content.startswith(HEADER)
    ]


def _day_line(message: SeenMessage, day: date) -> str:
    return next(
        line for line in message.content.splitlines() if line.startswith(f"**{day:%a %d %b}**")
    )


def _t(day: date, hour: int) -> str:
    return f"<t:{int(_at(day, hour))}:t>"


async def test_week_is_shown_in_the_readers_time_across_a_clock_change(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Thursday 5 March: a New York reader sees Paris 20:00 at 14:00 on Saturday and at
    15:00 on Monday (New York has moved its clocks, Paris not yet), today's click and maybe
    from the daily message; a member without a timezone reads the community's hours."""
    async with world(endpoints, short_tmp, start=_at(THURSDAY, 12, 30)) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
        await w.say(town.alice, "timezone set", zone=NEW_YORK)
        await _usual(w, town.bob, 5, 20)  # Saturday
        await _usual(w, town.bob, 0, 20, 21)  # Monday
        await driver.react(town.admin, posted.id, C)
        await _maybe(w, town.bob, posted, THURSDAY, 21)
        await w.daily_says("bob ❔")
        assert await w.say(town.alice, "week") == "\n".join(
            [
                f"**The week ahead** (your time, {NEW_YORK}): players in each hour, and who"
                " said maybe. Usual hours count, except on days someone is away.",
                "**Thu 05 Mar**: 14:00-15:00 **1** · 15:00-16:00 1 maybe",
                "**Fri 06 Mar**: nobody yet",
                "**Sat 07 Mar**: 14:00-15:00 **1**",
                "**Sun 08 Mar**: nobody yet",
                "**Mon 09 Mar**: 15:00-17:00 **1**",
                "**Tue 10 Mar**: nobody yet",
                "**Wed 11 Mar**: nobody yet",
            ]
        )
        shown = (await w.say(town.bob, "week")).splitlines()
        assert shown[0].startswith("**The week ahead** (the community's time, Europe/Paris)")
        assert shown[3] == "**Sat 07 Mar**: 20:00-21:00 **1**"
        assert shown[5] == "**Mon 09 Mar**: 20:00-22:00 **1**"


async def _deliveries(w: World, day: date) -> list[tuple[str, str, int]]:
    """(kind, state, message) of ``day``'s whole-day deliveries."""
    return await _recorded(w.endpoints, w.town.guild.id, day)


async def _recorded(endpoints: Endpoints, guild_id: int, day: date) -> list[tuple[str, str, int]]:
    client = BusClient("test-peer", endpoints)
    await client.start(timeout=STEP)
    try:
        found = await client.request(
            "telemetry",
            GetDeliveries(guild_id=guild_id, date=day.isoformat()),
            expect=DeliveriesReply,
            timeout=STEP,
        )
    finally:
        await client.close()
    return [(d.kind, d.state, d.message_id) for d in found.deliveries if d.hour == WHOLE_DAY]


async def test_the_weekly_post_comes_once_follows_answers_then_stays(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Sunday 18:00: one post of Monday to Sunday; edited when Bob says he is away on
    Monday; once the week has begun, left as it is; a restart posts nothing again."""
    async with world(endpoints, short_tmp, start=_at(SUNDAY, 12, 30), scheduler=False) as w:
        town = w.town
        async with w.scheduler_running():
            await w.configure(start=18, hours=4)
            said = await w.say(town.admin, "config week-post", day="sunday", time="18:00")
            assert said.startswith("Saved.")
            assert "Week-ahead post: Sundays at 18:00 (Europe/Paris), in the daily channel" in said
            await _usual(w, town.bob, 0, 20)
            assert not _week_posts(w)
            w.clock.set(_at(SUNDAY, 18, 0))
            await w.until(lambda: bool(_week_posts(w)), "the week post")
            post = _week_posts(w)[0]
            lines = post.content.splitlines()
            assert lines[1].startswith("Mon 09 Mar to Sun 15 Mar: players in each hour")
            assert lines[2] == f"**Mon 09 Mar**: {_t(MONDAY, 20)}-{_t(MONDAY, 21)} **1**"
            assert lines[3] == "**Tue 10 Mar**: nobody yet"
            ref = once.reference(town.guild.id, MONDAY, WHOLE_DAY, 0, KIND)
            assert lines[-1].endswith(f"ref {ref}")
            assert await _deliveries(w, MONDAY) == [(KIND, "sent", post.id)]
            await w.say(town.bob, "away set", **{"from": "2026-03-09", "until": "2026-03-09"})
            await w.until(
                lambda: (
                    _day_line(w.emu.driver.message(post.id, town.alice), MONDAY)
                    == "**Mon 09 Mar**: nobody yet"
                ),
                "the post to follow Bob's absence",
            )
        async with w.scheduler_running():  # a restart before the week: the same post
            await w.say(town.bob, "away cancel")
            await w.until(
                lambda: _day_line(w.emu.driver.message(post.id, town.alice), MONDAY) == lines[2],
                "the post to follow the cancel",
            )
            w.clock.set(_at(MONDAY, 12, 5))  # the week has begun
            await w.daily_says("Monday 9 March")
            await w.say(town.bob, "away set", **{"from": "2026-03-09", "until": "2026-03-09"})
            await w.until(lambda: "bob" not in w.posted().content, "Monday's message")
            assert _day_line(w.emu.driver.message(post.id, town.alice), MONDAY) == lines[2]
            assert [m.id for m in _week_posts(w)] == [post.id]


async def test_a_post_made_but_not_recorded_is_found_after_a_crash(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler dies between posting the week and recording it: the next one finds the
    post by its reference, records it and edits it; there is still one."""
    async with world(endpoints, short_tmp, start=_at(SUNDAY, 17, 0), scheduler=False) as w:
        town = w.town
        crashed = asyncio.Event()

        async def crash(*_: object) -> MessageSent:
            crashed.set()
            await asyncio.Event().wait()  # frozen here until the process is killed
            raise AssertionError("unreachable")

        async with w.scheduler_running():
            await w.configure(start=18, hours=4)
            await w.say(town.admin, "config week-post", day="sunday", time="17:30")
            finish = once.finish
            monkeypatch.setattr(once, "finish", crash)
            w.clock.set(_at(SUNDAY, 17, 30))
            await asyncio.wait_for(crashed.wait(), STEP)
        monkeypatch.setattr(once, "finish", finish)
        assert len(_week_posts(w)) == 1
        assert await _deliveries(w, MONDAY) == [(KIND, "claimed", 0)]
        async with w.scheduler_running():
            post = _week_posts(w)[0]
            await _usual(w, town.bob, 1, 19)
            tuesday = date(2026, 3, 10)
            expected = f"**Tue 10 Mar**: {_t(tuesday, 19)}-{_t(tuesday, 20)} **1**"
            await w.until(
                lambda: _day_line(w.emu.driver.message(post.id, town.alice), tuesday) == expected,
                "the found post to be edited",
            )
            assert await _deliveries(w, MONDAY) == [(KIND, "sent", post.id)]
        assert len(_week_posts(w)) == 1


async def test_bad_week_post_settings_are_refused_and_change_nothing(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A time that is not one, a missing time, a day that is not one (from a tampered
    client) and a non-admin: refused privately with the reason; the setup stays; off
    turns the post off."""
    async with world(endpoints, short_tmp) as w:
        town = w.town
        await w.configure(start=18, hours=4)
        await w.say(town.admin, "config week-post", day="friday", time="19:00")
        before = await w.say(town.admin, "config show")
        assert "Week-ahead post: Fridays at 19:00" in before
        said = await w.say(town.admin, "config week-post", day="sunday", time="25:00")
        assert said == "⚠️ '25:00' is not a time: use HH:MM, e.g. 18:00."
        said = await w.say(town.admin, "config week-post", day="sunday")
        assert said == ("⚠️ Please fill in `time`: when, on that day, the week ahead is posted.")
        tampered = await w.relay(
            kind="command",
            member=town.admin,
            permissions=1 << 5,
            command="config week-post",
            options={"day": "someday", "time": "18:00"},
        )
        assert tampered.content == (
            "⚠️ 'someday' is not a day: pick one of the suggestions (monday, tuesday,"
            " wednesday, thursday, friday, saturday, sunday, or off)."
        )
        with pytest.raises(Refused, match="missing permissions"):
            await w.emu.driver.slash(
                town.alice, town.text, "config week-post", {"day": "sunday", "time": "18:00"}
            )
        member = await w.relay(
            kind="command",
            member=town.alice,
            command="config week-post",
            options={"day": "sunday", "time": "18:00"},
        )
        assert member.content == "⚠️ Only members with the Manage Server permission can do this."
        assert await w.say(town.admin, "config show") == before
        said = await w.say(town.admin, "config week-post", day="off")
        assert "Week-ahead post: off" in said


def _scaled_from(moment: float) -> dict[str, str]:
    """The setting that starts a process's calendar at ``moment``, now, at real pace."""
    start = datetime.fromtimestamp(moment, PARIS).isoformat()
    return {SETTING: f"scaled at={time.time():.3f} from={start} speed=1"}


async def _week_posted_on_sundays(driver: Driver, town: Community) -> None:
    """The admin sets the community up, the week ahead posted on Sundays at 18:00."""
    for command, options in (
        ("config timezone", {"zone": "Europe/Paris"}),
        ("config window", {"start": 18, "hours": 4}),
        ("config channel", {"channel": town.text.id}),
        ("config week-post", {"day": "sunday", "time": "18:00"}),
    ):
        outcome = await driver.slash(town.admin, town.text, command, options)
        assert outcome.message is not None
        assert outcome.message.content.startswith("Saved."), outcome.message.content


def _posts(driver: Driver, town: Community) -> list[SeenMessage]:
    """The week-ahead posts Alice sees."""
    return [m for m in driver.messages(town.text, town.alice) if m.content.startswith(HEADER)]


@pytest.mark.fleet
@pytest.mark.within(180.0)
async def test_a_sigkill_as_the_week_is_posted_leaves_one_post_that_follows_answers(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The scheduler, its own process on a calendar just before Sunday 18:00, is
    SIGKILLed the moment the week's post shows and restarted: still one post, recorded as
    sent, and the restarted scheduler edits it when Bob says he is away on Monday."""
    async with Emulator() as emu:
        town = small_community(emu)
        driver = emu.driver
        async with (
            running(Telemetry(short_tmp / "telemetry.db"), endpoints, short_tmp),
            running_gateway(emu, endpoints, short_tmp),
        ):
            env = _scaled_from(_at(SUNDAY, 17, 59) + 50)  # ten seconds before the post
            process = ServiceProcess("scheduler", short_tmp, short_tmp / "data", env=env)
            try:
                await eventually(
                    lambda: "week" in {c.name for c in emu.world.commands.values()},
                    STEP,
                    "the scheduler's commands",
                )
                await _week_posted_on_sundays(driver, town)
                await _pick_usual(driver, town, town.bob, 0, 20)
                await eventually(lambda: bool(_posts(driver, town)), 3 * STEP, "the week's post")
                process.kill_and_restart()
                post = _posts(driver, town)[0]
                monday = f"**Mon 09 Mar**: {_t(MONDAY, 20)}-{_t(MONDAY, 21)} **1**"
                assert _day_line(post, MONDAY) == monday
                said = await _answer(driver, town, town.bob, "away set", "🏖️", **AWAY_MONDAY)
                assert said.startswith("🏖️"), said
                await eventually(
                    lambda: (
                        _day_line(driver.message(post.id, town.alice), MONDAY)
                        == "**Mon 09 Mar**: nobody yet"
                    ),
                    3 * STEP,
                    "the post to follow Bob's absence",
                )
                assert [m.id for m in _posts(driver, town)] == [post.id]
                recorded = await _recorded(endpoints, town.guild.id, MONDAY)
                assert recorded == [(KIND, "sent", post.id)]
            finally:
                process.stop()


async def _answer(
    driver: Driver, town: Community, member: Member, command: str, expect: str, **options: str
) -> str:
    """A command's private answer starting with ``expect``, asked again while a restarted
    scheduler is starting (the gateway says to try again meanwhile): 30 s at least, a
    restart on a loaded machine."""
    said = [""]

    async def answered() -> bool:
        outcome = await driver.slash(member, town.text, command, options)
        said[0] = outcome.message.content if outcome.message else ""
        return said[0].startswith(expect)

    await until_answered(answered, 3 * STEP, f"/{command} to answer {expect!r}")
    return said[0]

"""Many guilds at once: their daily posts go out together, each guild's own work in order,
and a change in one guild makes the engines look at that guild only (issue #31)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from bus.endpoints import Endpoints
from emulator.engine.recorder import RequestRecord
from emulator.rules.state import Channel, Guild, Member
from emulator.simulator.seen import SeenMessage
from tests.services.inprocess import STEP
from tests.services.scheduler.support import PARIS, World, world

A, B, C = "🇦", "🇧", "🇨"
POST = ("POST", "/channels/{channel_id}/messages")
REACT = ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me")
GUILDS = 20
MANAGE_GUILD = 1 << 5


def _at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 10, hour, minute, tzinfo=PARIS).timestamp()


async def _community(w: World, n: int) -> tuple[Guild, Member, Channel]:
    """Another server, with an admin and a text channel, once the scheduler knows it."""
    driver = w.emu.driver
    guild = driver.add_guild(f"Squad {n:02d}")
    boss = driver.add_member(
        guild, f"boss{n:02d}", roles=[driver.add_role(guild, "Boss", permissions=MANAGE_GUILD)]
    )
    lounge = driver.add_text_channel(guild, "lounge")
    await w.until(lambda: guild.id in w.scheduler.roster.guilds, f"guild {n}")
    return guild, boss, lounge


async def _configure(w: World, boss: Member, lounge: Channel, *, time: str, hours: int) -> None:
    """Its admin sets the daily message up: posted at ``time`` in Paris, hours from 18:00."""
    settings: list[tuple[str, dict[str, str | int]]] = [
        ("config timezone", {"zone": "Europe/Paris"}),
        ("config time", {"time": time}),
        ("config window", {"start": 18, "hours": hours}),
        ("config channel", {"channel": lounge.id}),
    ]
    for command, options in settings:
        outcome = await w.emu.driver.slash(boss, lounge, command, options)
        assert outcome.message is not None
        assert outcome.message.content.startswith("Saved."), outcome.message.content


def _daily(w: World, lounge: Channel, boss: Member) -> SeenMessage | None:
    found = [m for m in w.emu.driver.messages(lounge, boss) if m.content.startswith("## Who plays")]
    return found[-1] if found else None


def _done(w: World, lounge: Channel, boss: Member, hours: int) -> bool:
    posted = _daily(w, lounge, boss)
    return posted is not None and len(posted.reactions) == hours


async def test_guilds_due_at_the_same_minute_post_together_each_in_hour_order(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Twenty guilds due at 17:45 all get their post; other guilds' posts go out while the
    first guild still waits for Discord's reaction pace, and each guild's reactions come
    after its post, in hour order."""

    async with world(endpoints, short_tmp, paced_reactions=True) as w:
        made = [await _community(w, n) for n in range(GUILDS)]
        await asyncio.gather(
            *(_configure(w, boss, lounge, time="17:45", hours=3) for _, boss, lounge in made)
        )
        assert all(_daily(w, lounge, boss) is None for _, boss, lounge in made)
        w.clock.set(_at(17, 45))
        await w.until(
            lambda: all(_done(w, lounge, boss, 3) for _, boss, lounge in made),
            "every guild's post with its three hours",
            timeout=6 * STEP,
        )
        channels = {str(lounge.id) for _, _, lounge in made}
        mine = [r for r in w.emu.requests.records if r.params.get("channel_id") in channels]
        assert [r.key for r in mine if r.status == 429] == []  # within Discord's buckets
        log = [r for r in mine if r.status < 300]
        posts = {r.params["channel_id"]: i for i, r in enumerate(log) if _is(r, POST)}
        assert set(posts) == channels
        reactions: dict[str, list[tuple[int, str]]] = {}
        for i, r in enumerate(log):
            if _is(r, REACT):
                reactions.setdefault(r.params["channel_id"], []).append(
                    (i, unquote(r.params["emoji_name"]))
                )
        for channel, added in reactions.items():
            assert [emoji for _, emoji in added] == [A, B, C], channel
            assert all(i > posts[channel] for i, _ in added), channel
        first = min(posts, key=posts.__getitem__)
        first_done = reactions[first][-1][0]
        overtaking = [c for c, i in posts.items() if c != first and i < first_done]
        assert overtaking, "every other guild waited for the first guild's reactions"


def _is(record: RequestRecord, key: tuple[str, str]) -> bool:
    return (record.method, record.route) == key


async def test_a_change_in_one_guild_is_not_looked_at_in_another(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Alice's click in her guild makes reminders, calls and nudges look at her guild, and
    not at the other guild (counted per guild, no timing involved)."""

    async with world(endpoints, short_tmp) as w:
        other, boss, lounge = await _community(w, 1)
        await w.configure(start=18, hours=3)
        await _configure(w, boss, lounge, time="12:00", hours=3)
        mine = await w.daily_posted()
        await w.until(lambda: _done(w, lounge, boss, 3), "the other guild's post")
        days, due = w.scheduler.days, w.scheduler.due
        assert days is not None

        def settled(guild_id: int) -> bool:
            guild = days.guilds.get(guild_id)
            return (
                guild is not None
                and not guild.stale
                and guild.clicked is None
                and not due.pending(guild_id)
            )

        home = w.town.guild.id
        await w.until(lambda: settled(home) and settled(other.id), "both guilds settled")
        theirs, ours = due.looked[other.id], due.looked[home]
        assert theirs > 0  # the engines did look at the other guild once it was posted
        await w.emu.driver.react(w.town.alice, mine.id, A)
        await w.daily_says("Alice")
        await w.until(lambda: due.looked[home] > ours and not due.pending(home), "a look")
        assert due.looked[other.id] == theirs


async def test_a_guild_wakes_when_its_due_time_comes(endpoints: Endpoints, short_tmp: Path) -> None:
    """Bob's reminder is due at 18:45: that is the scheduler's next wake, and moving the
    scheduler's clock there sends it."""

    async with world(endpoints, short_tmp, start=_at(18, 41)) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
        await w.say(town.bob, "remind on")  # 15 minutes before: 18:45 for 19:00
        await driver.react(town.bob, posted.id, B)
        await w.daily_says("bob")
        due = w.scheduler.due
        await w.until(lambda: due.next_due() == _at(18, 45), "the reminder's due time")
        assert driver.dms(town.bob) == []
        w.clock.set(_at(18, 45))
        await w.until(lambda: len(driver.dms(town.bob)) == 1, "Bob's reminder")

"""The community simulator: reproducible for a seed, plausible, and playable in the emulator."""

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from emulator import Emulator
from emulator.actions import Authorship
from emulator.bodies import MessageBody
from emulator.community import Action, Community, CommunitySpec, Kind, plan_day
from emulator.simclock import SimClock
from emulator.state import Emoji
from tests.emulator.support import run

DAY = date(2025, 3, 29)
HOUR_EMOJIS = [chr(0x1F550 + i) for i in range(10)]


def test_same_seed_same_plan_and_other_seed_differs() -> None:
    """Planning is a pure function of the seed and the day."""
    spec = CommunitySpec(members=30, seed=7)
    days = [date(2025, 3, d) for d in (28, 29, 30)]
    assert [plan_day(spec, d) for d in days] == [plan_day(spec, d) for d in days]
    other = CommunitySpec(members=30, seed=8)
    assert plan_day(other, DAY) != plan_day(spec, DAY)


def test_plan_is_plausible() -> None:
    """Hours are marked after the post and inside the window; every join has its leave."""
    spec = CommunitySpec(members=40, seed=3)
    zone = ZoneInfo(spec.timezone)
    actions = plan_day(spec, DAY)
    marks = [a for a in actions if a.kind is Kind.MARK]
    joins = [a for a in actions if a.kind is Kind.JOIN]
    assert marks
    assert joins
    assert all(a.at.astimezone(zone).hour >= spec.post_hour for a in marks)
    window = range(spec.window_start_hour, spec.window_start_hour + spec.window_hours)
    assert all(int(a.target) in window for a in marks)
    leaves = [a for a in actions if a.kind is Kind.LEAVE]
    assert sorted(a.member for a in joins) == sorted(a.member for a in leaves)
    assert actions == sorted(actions, key=lambda a: a.at)


async def play_once(seed: int) -> tuple[list[Action], list[tuple[str, int]]]:
    """Play one day against a fresh emulator; return what happened and the final marks."""
    spec = CommunitySpec(members=20, seed=seed)
    clock = SimClock(datetime(2025, 3, 29, 9, tzinfo=UTC))
    async with Emulator(clock=clock) as emu:
        community = Community(emu.driver, spec, clock)
        roster = community.build()
        daily = emu.actions.post_message(
            roster.text.id,
            MessageBody(content="Who plays today?"),
            {},
            Authorship(author_id=emu.bot_id),
        )
        for emoji in HOUR_EMOJIS:
            emu.actions.add_reaction(daily, emu.bot_id, Emoji.parse(emoji))
        played = await asyncio.wait_for(community.play_day(DAY), 10)
        seen = emu.driver.message(daily.id, roster.admin)
        assert roster.guild.voice_states == {}
        return played, [(r.emoji, r.count) for r in seen.reactions]


def test_playing_a_day_is_reproducible() -> None:
    """Two runs with one seed do the same things and leave the same marks."""
    first = run(play_once(11))
    second = run(play_once(11))
    assert first == second
    played, marks = first
    assert any(a.kind is Kind.JOIN for a in played)
    assert sum(count for _, count in marks) > len(HOUR_EMOJIS)

"""The community simulator: reproducible for a seed, plausible, and playable in the emulator."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from emulator import Emulator
from emulator.engine.actions import Authorship
from emulator.rules.bodies import MessageBody
from emulator.rules.state import Emoji
from emulator.simulator.community import (
    Action,
    Community,
    CommunitySpec,
    Kind,
    Stay,
    consecutive_hours,
    hours_as_shown,
    personas,
    plan_day,
    stays,
)
from emulator.simulator.seen import SeenMessage
from emulator.simulator.simclock import SimClock
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
        community = Community(emu.driver, spec, clock, hours=consecutive_hours(spec))
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


def test_a_month_has_a_weekly_rhythm_usual_hours_and_members_drifting_away() -> None:
    """Weekends are busier than Mondays; drifting members fade; usual hours replace clicks."""
    first = date(2026, 11, 2)  # a Monday
    spec = CommunitySpec(members=40, seed=2, drift_from=first + timedelta(days=14))
    month = [first + timedelta(days=n) for n in range(28)]
    plans = {day: plan_day(spec, day) for day in month}

    def joins(days: list[date], who: set[str] | None = None) -> int:
        return sum(
            1
            for day in days
            for a in plans[day]
            if a.kind is Kind.JOIN and (who is None or a.member in who)
        )

    mondays = [d for d in month if d.weekday() == 0]
    saturdays = [d for d in month if d.weekday() == 5]
    assert joins(saturdays) > joins(mondays)
    people = personas(spec)
    drifting = {p.name for p in people if p.drifts}
    assert drifting
    assert joins(month[14:], drifting) < joins(month[:14], drifting)
    scheduled = [p for p in people if p.usual]
    assert scheduled
    for person in scheduled:
        usual_days = {weekday for weekday, _ in person.usual}
        clicked = {
            day.weekday()
            for day in month
            for a in plans[day]
            if a.member == person.name and a.kind is Kind.MARK
        }
        assert not clicked & usual_days  # their schedule speaks for them
    assert all(a.at.second == 0 for day in month for a in plans[day])


def test_stays_follow_joins_moves_and_leaves() -> None:
    """A move ends one stay and begins the next; a leave ends it."""
    at = datetime(2026, 3, 23, 20, tzinfo=UTC)
    minutes = [at + timedelta(minutes=n) for n in range(4)]
    played = [
        Action(minutes[0], Kind.JOIN, "ash", "Lobby"),
        Action(minutes[1], Kind.MUTE, "ash"),
        Action(minutes[2], Kind.MOVE, "ash", "Ranked"),
        Action(minutes[3], Kind.LEAVE, "ash"),
    ]
    assert stays(played) == [
        Stay("ash", "Lobby", minutes[0], minutes[2]),
        Stay("ash", "Ranked", minutes[2], minutes[3]),
    ]


def test_members_read_the_hours_off_the_message_and_only_on_its_day() -> None:
    """Each hour line gives its reaction; another day's message gives none."""
    spec = CommunitySpec()
    zone = ZoneInfo(spec.timezone)
    six = int(datetime(2026, 3, 23, 18, tzinfo=zone).timestamp())
    content = (
        f"## Who plays today?\n\n🇦 <t:{six}:t> · nobody yet\n<:blob:42> <t:{six + 3600}:t> · x"
    )
    message = SeenMessage(
        id=1,
        channel_id=2,
        author_id=3,
        author_name="squadtime",
        content=content,
        components=(),
        reactions=(),
        attachments=(),
        embeds=(),
        ephemeral=False,
        edited=False,
        loading=False,
    )
    assert hours_as_shown(spec, date(2026, 3, 23))(message) == {18: "🇦", 19: "blob:42"}
    assert hours_as_shown(spec, date(2026, 3, 24))(message) == {}

"""Ground truth: a week of a simulated community through the supervised fleet, on the scaled
calendar, and telemetry's record equal to what the simulator played.

The fleet and the emulator share one ``SQUADTIME_CLOCK``: fast through the quiet hours,
200x within a minute of every planned voice change. The simulator acts on whole minutes
and the gateway stamps a change when it sees it, so a stamp lies ``200 x`` its delivery
delay after the change: rounded to the minute, it is the change itself as long as that
delay stays under 150 ms. Per-member voice time and per-pair shared time are compared to
the second after that rounding; every day has exactly one daily message.
"""

from __future__ import annotations

import io
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from admin.demo import DAILY_HEADING, Screen, configure, posts_of, save_usual_hours
from bus.clock import SETTING, Calendar, Pace, wall_time
from emulator import Emulator
from emulator.rules.clock import CalendarClock
from emulator.simulator.community import Community, CommunitySpec, Kind, Stay, plan_day, stays
from tests.faults.support import STEP, SupervisedFleet, sessions
from tests.helpers import eventually

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(600)]

FIRST_DAY = date(2026, 3, 23)  # a Monday; Paris springs forward on Sunday 29 March
DAYS = 7
# Up to the week's first post (35 simulated hours): 126 s for the fleet to start and be set up
# on a loaded machine; a quick set-up only waits longer for the first day.
SETUP_SPEED = 1_000.0
FAST = 30_000.0
# Around each voice change: a change stamped up to ~0.3 s late (59 simulated seconds at this
# pace) still lands in its planned minute (see ``to_minute``).
SLOW = 200.0
AROUND = timedelta(minutes=1)

type Interval = tuple[int, int, float, float]  # user, channel, start, end


def paces(spec: CommunitySpec, days: Iterable[date]) -> list[Pace]:
    """Fast, but slow within ``AROUND`` of every planned voice change."""
    zone = ZoneInfo(spec.timezone)
    changes = sorted(
        action.at
        for day in days
        for action in plan_day(spec, day)
        if action.kind in (Kind.JOIN, Kind.MOVE, Kind.LEAVE)
    )
    setup = datetime.combine(FIRST_DAY - timedelta(days=1), time(0), zone)
    found = [Pace(setup.timestamp(), SETUP_SPEED)]
    windows: list[list[datetime]] = []
    for change in changes:
        if windows and change - AROUND <= windows[-1][1]:
            windows[-1][1] = change + AROUND
        else:
            windows.append([change - AROUND, change + AROUND])
    # Set up before the week's first post; no voice change comes before it.
    first_fast = datetime.combine(FIRST_DAY, time(spec.post_hour - 1), zone)
    assert first_fast < changes[0] - AROUND
    found.append(Pace(first_fast.timestamp(), FAST))
    for low, high in windows:
        found += [Pace(low.timestamp(), SLOW), Pace(high.timestamp(), FAST)]
    return found


def to_minute(instant: float) -> float:
    """The planned minute of a recorded instant: every change is planned on a whole minute and
    stamped when the gateway hears it, a little later (or, through whole-second storage and the
    clocks' float maths, up to a second earlier), never a minute later at ``SLOW``."""
    return math.floor((instant + 1) / 60) * 60


def per_member(intervals: list[Interval]) -> dict[int, float]:
    totals: dict[int, float] = defaultdict(float)
    for user, _, start, end in intervals:
        totals[user] += end - start
    return dict(totals)


def per_pair(intervals: list[Interval]) -> dict[tuple[int, int], float]:
    """Seconds each pair spent in the same channel at the same time (brute force)."""
    shared: dict[tuple[int, int], float] = defaultdict(float)
    for a, b in itertools.combinations(intervals, 2):
        if a[0] == b[0] or a[1] != b[1]:
            continue
        overlap = min(a[3], b[3]) - max(a[2], b[2])
        if overlap > 0:
            shared[(min(a[0], b[0]), max(a[0], b[0]))] += overlap
    return dict(shared)


def planned(community: Community, played: list[Stay]) -> list[Interval]:
    roster = community.roster
    return [
        (
            roster.members[s.member].user_id,
            roster.voice[s.channel].id,
            s.start.timestamp(),
            s.end.timestamp(),
        )
        for s in played
    ]


@pytest.mark.within(540)
async def test_a_week_on_the_scaled_clock_is_recorded_as_played(short_tmp: Path) -> None:
    """Voice time per member and per pair, and one post a day, match the simulator's plan."""
    spec = CommunitySpec(members=12, seed=5)
    week = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    calendar = Calendar(paces(spec, week), at=wall_time())
    clock = CalendarClock(calendar)
    zone = ZoneInfo(spec.timezone)

    async with Emulator(clock=clock) as emu:
        community = Community(emu.driver, spec, clock)
        roster = community.build()
        fleet = SupervisedFleet(short_tmp, emu)
        fleet.env[SETTING] = calendar.setting()
        await fleet.start()
        try:
            driver = emu.driver
            await driver.wait_until(
                lambda: "config" in {c.name for c in driver.world.commands.values()},
                timeout=120,
            )
            screen = Screen(io.StringIO())
            await configure(driver, spec, roster, screen)
            await save_usual_hours(driver, community, screen)
            ready = clock.now().astimezone(zone)
            first_post = datetime.combine(FIRST_DAY, time(spec.post_hour), zone)
            assert ready < first_post, f"set up only at {ready}: the fleet was slow"
            played = [a for day in week for a in await community.play_day(day)]
            voice = (Kind.JOIN, Kind.MOVE, Kind.LEAVE)
            assert not [a for a in community.skipped if a.kind in voice]
            assert not [a for a in played if a.kind in voice and a.at.second], "day-end leave"
            expected = planned(community, stays(played))
            members = {m.user_id for m in roster.members.values()}

            def recorded() -> list[Interval]:
                return [
                    (s.user_id, s.channel_id, to_minute(s.start), to_minute(s.end))
                    for s in sessions(fleet.database, roster.guild.id)
                    if s.end is not None and s.user_id in members
                ]

            await eventually(lambda: len(recorded()) >= len(expected), STEP, "every stay recorded")
            got = recorded()
            assert per_member(got) == per_member(expected)
            assert per_pair(got) == per_pair(expected)
            assert sorted(got) == sorted(expected)
            for day in week:
                assert posts_of(driver, roster, day) == 1, f"{day}: not exactly one post"
            assert all(
                m.content.startswith(DAILY_HEADING)
                for m in driver.messages(roster.text, roster.admin)
                if m.author_id == driver.core.bot_id and not m.ephemeral
            )
        finally:
            await fleet.close()

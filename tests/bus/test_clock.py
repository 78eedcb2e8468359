"""The fleet's clocks: the setting, the scaled calendar's arithmetic, and one source of time."""

from __future__ import annotations

import asyncio
import re
import selectors
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bus.clock import (
    Calendar,
    ClockSettingError,
    FollowedCalendar,
    Pace,
    calendar_from_env,
    parse_calendar,
    wall_time,
    write_calendar,
)
from services.runtime.settings import Settings, SettingsError

REPO = Path(__file__).resolve().parents[3]
NOON = datetime(2026, 3, 28, 12, tzinfo=UTC).timestamp()
HOUR = 3600.0


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing is ready: hours of
    timers pass in an instant and in their true order, whatever the machine's speed."""

    def __init__(self) -> None:
        self.virtual = 0.0
        super().__init__(_Skipping(self))

    def time(self) -> float:
        return self.virtual


class _Skipping(selectors.DefaultSelector):
    """Polls without blocking; an empty poll moves the loop's clock to its next timer."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if not ready and timeout:
            self._loop.virtual += timeout
        return ready


class SteppedWall:
    """The machine's wall clock as the event loop's clock plus steps the test makes."""

    def __init__(self, start: float) -> None:
        self.offset = start - asyncio.get_running_loop().time()

    def now(self) -> float:
        return asyncio.get_running_loop().time() + self.offset


class LoopTime:
    """The event loop's (virtual) clock as the machine's monotonic clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()


def test_the_real_clock_is_the_default() -> None:
    """Unset or 'real', calendar time is the wall clock."""
    for env in ({}, {"SQUADTIME_CLOCK": "real"}):
        calendar = calendar_from_env(env)
        assert not calendar.scaled
        before = wall_time()
        assert before <= calendar.now() <= wall_time()


def test_a_scaled_calendar_runs_at_each_pace_and_stands_still_before_it_starts() -> None:
    """Calendar and real instants map both ways, through a change of pace."""
    calendar = Calendar([Pace(NOON, 600.0), Pace(NOON + 3600, 60.0)], at=1000.0)
    assert calendar.calendar_at(900.0) == NOON  # before the start: standing still
    assert calendar.calendar_at(1003.0) == NOON + 1800  # 3 s at 600x
    assert calendar.calendar_at(1006.0) == NOON + 3600  # the pace changes here
    assert calendar.calendar_at(1016.0) == NOON + 3600 + 600  # then 10 s at 60x
    for instant in (NOON, NOON + 1800, NOON + 3600, NOON + 4200):
        assert calendar.calendar_at(calendar.real_at(instant)) == pytest.approx(instant)
    assert calendar.real_at(NOON - 5) == 1000.0


def test_the_setting_round_trips_and_every_process_reads_the_same_instant() -> None:
    """A calendar written as its setting reads back as the same clock."""
    calendar = Calendar([Pace(NOON, 20_000.0), Pace(NOON + 86_400, 600.0)], at=wall_time())
    again = parse_calendar(calendar.setting())
    assert again.paces == calendar.paces
    assert again.at == calendar.at
    real = wall_time()
    assert again.calendar_at(real) == calendar.calendar_at(real)


@pytest.mark.parametrize(
    "text",
    [
        "fast",
        "scaled",
        "scaled at=1 speed=2",
        "scaled at=x from=2026-03-28T12:00:00+00:00 speed=2",
        "scaled at=1 from=2026-03-28T12:00:00 speed=2",  # no offset
        "scaled at=1 from=2026-03-28T12:00:00+00:00 speed=0",
        "scaled at=1 from=2026-03-28T12:00:00+00:00 speed=-3",
        "scaled at=1 from=2026-03-28T12:00:00+00:00 speed=inf",
        "scaled at=1 from=2026-03-28T12:00:00+00:00 speed=2 from=2026-03-28T11:00:00+00:00 speed=2",
        "scaled at=1 from=2026-03-28T12:00:00+00:00",
        "scaled at=1 at=2 from=2026-03-28T12:00:00+00:00 speed=2",
        "follow",
        "follow relative/demo-clock",
        "follow /nonexistent/demo-clock",
    ],
)
def test_a_malformed_setting_is_refused_with_its_reason(text: str) -> None:
    """The setting is parsed strictly; a service refuses to start on a bad one."""
    with pytest.raises(ClockSettingError):
        parse_calendar(text)
    with pytest.raises(SettingsError, match=r"SQUADTIME_CLOCK|speed|from"):
        Settings.from_env("scheduler", {"SQUADTIME_CLOCK": text})


@pytest.mark.within(30)
async def test_sleeping_until_a_calendar_instant_takes_its_share_of_real_time() -> None:
    """At 36,000x an hour of calendar time passes in a tenth of a second; a wake cuts it."""
    calendar = Calendar([Pace(NOON, 36_000.0)], at=wall_time())

    target = calendar.now() + 3600
    await calendar.sleep_until(target)
    assert calendar.now() >= target
    wake = asyncio.Event()
    wake.set()
    before = calendar.now()
    await calendar.sleep_until(before + 86_400 * 365, wake)
    assert calendar.now() < before + 86_400  # woken, not a year later


@pytest.mark.parametrize("step", [3 * HOUR, -HOUR], ids=["forward 3 h", "back 1 h"])
@pytest.mark.parametrize("wakeable", [False, True], ids=["plain", "wakeable"])
def test_a_wall_clock_step_during_a_calendar_sleep_moves_its_end_by_under_a_minute(
    step: float, wakeable: bool
) -> None:
    """A 4-hour sleep whose wall clock is stepped 10 minutes in ends within a minute of
    the instant it waited for, as the stepped wall clock reads it."""

    async def scenario() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        wall = SteppedWall(NOON)
        calendar = Calendar(wall=wall, steady=LoopTime())
        target = NOON + 4 * HOUR
        started = loop.time()
        sleeper = asyncio.create_task(
            calendar.sleep_until(target, asyncio.Event() if wakeable else None)
        )
        await asyncio.sleep(10 * 60)
        assert not sleeper.done()
        wall.offset += step  # NTP sets the clock
        await sleeper
        return wall.now(), loop.time() - started

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        woke_at, slept = runner.run(asyncio.wait_for(scenario(), timeout=24 * HOUR))
    assert NOON + 4 * HOUR <= woke_at < NOON + 4 * HOUR + 60
    assert slept == pytest.approx(4 * HOUR - step, abs=60)


def test_a_followed_calendar_takes_its_rewritten_file_and_a_sleep_meets_the_new_pace(
    tmp_path: Path,
) -> None:
    """The demo's fleet follows its calendar from a file: the real pace while it is set up,
    then the month's pace once the file is rewritten. Calendar time never moves back, and a
    day's sleep begun at the real pace wakes at the new one, within a recheck."""
    path = tmp_path / "demo-clock"
    rewritten_after = 30.0

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        wall = SteppedWall(1000.0)
        write_calendar(path, Calendar([Pace(NOON, 1.0)], at=1000.0))
        calendar = FollowedCalendar(path, wall=wall, steady=LoopTime())
        started = loop.time()
        sleeper = asyncio.create_task(calendar.sleep_until(NOON + 24 * HOUR))
        await asyncio.sleep(rewritten_after)
        before = calendar.now()
        assert before == pytest.approx(NOON + rewritten_after)
        month = Pace(NOON + rewritten_after, 3600.0)
        write_calendar(path, Calendar([Pace(NOON, 1.0), month], at=1000.0))
        await asyncio.sleep(calendar.look)
        assert calendar.now() >= before
        assert calendar.real_at(NOON + 24 * HOUR) < wall.now() + 30  # 24 s away, not a day
        await sleeper
        return loop.time() - started

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        slept = runner.run(asyncio.wait_for(scenario(), timeout=24 * HOUR))
    expected = rewritten_after + (24 * HOUR - rewritten_after) / 3600.0
    assert expected - 1e-6 <= slept <= expected + FollowedCalendar.recheck
    assert path.stat().st_mode & 0o777 == 0o600
    assert parse_calendar(f"follow {path}").now() > NOON  # the setting names the file


def test_a_followed_file_that_follows_another_is_refused(tmp_path: Path) -> None:
    """A calendar file holds a calendar, not another file's name."""
    path = tmp_path / "demo-clock"
    path.write_text(f"follow {path}\n")
    with pytest.raises(ClockSettingError, match="follows another file"):
        FollowedCalendar(path)


def test_services_read_time_only_through_the_fleet_clocks() -> None:
    """No bare time.time() in services/ outside services/runtime/: they read bus.clock."""
    found = subprocess.run(
        ["git", "grep", "-n", r"time\.time()", "--", "services/*.py", ":!services/runtime/*"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert found == "", found
    # The same for datetime's own reading of the clock.
    bare_now = re.compile(r"datetime\.(now|utcnow|today)\(|date\.today\(")
    offenders = [
        f"{path}:{number}"
        for path in (REPO / "services").rglob("*.py")
        if "runtime" not in path.relative_to(REPO / "services").parts[:1]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if bare_now.search(line)
    ]
    assert offenders == []

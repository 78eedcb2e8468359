"""run without a token: the emulator demo reaches a posted daily message and stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from admin.demo import DemoSettings, month_calendar, setup_calendar
from bus.clock import Calendar
from emulator.simulator.community import CommunitySpec
from tests.admin.conftest import REPO, demo_process
from tests.helpers import not_private, wait_until

pytestmark = [pytest.mark.fleet, pytest.mark.timeout(400)]

DAILY = "## Who plays today?"
TODAY_SPEED = "2000"
"""Today's pace: its window in about 20 s, so a busy machine's pause of a second or two
cannot carry the clock past the post (at 20,000x a second is five hours)."""


class Output:
    """A process's stdout collected by a thread, so the test can wait on what it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def close(self) -> None:
        self._thread.join(10)
        self._stream.close()


def start_run(state: Path) -> subprocess.Popen[str]:
    """``python -m admin run`` without a token in ``state``: eight members, two quick days,
    and today at ``TODAY_SPEED``."""
    options = ["--members", "8", "--days", "2", "--speed", TODAY_SPEED]
    return demo_process(
        state,
        options,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        umask=0o022,  # a usual shell's, as under ./dev run
    )


def played_days(output: Output) -> list[str]:
    """The lines that sum up a played day ("Mon 02 Nov: 1 post, ...")."""
    return [line for line in output.lines if re.match(r"\w{3} \d\d \w{3}: ", line)]


def assert_posted_once_a_day(output: Output) -> None:
    """Every day of the month and today have one post: the month only begins once the bot
    is set up, however long that took."""
    days = played_days(output)
    assert days, output.text
    assert all(": 1 post, " in line for line in days), output.text


def test_run_twice_in_one_folder_reaches_today_both_times(short_tmp: Path) -> None:
    """A second run where the first one ran (its saved commands, a new empty emulator) plays
    the days and today with one post each, as the first did."""
    for attempt in ("first", "second"):
        output = play_until(short_tmp, attempt, days=3)
        assert "did not register its commands" not in output.text
        days = played_days(output)
        assert len(days) == 3, output.text  # two days of the month, then today
        assert_posted_once_a_day(output)


def test_a_demo_under_umask_022_writes_only_private_files(short_tmp: Path) -> None:
    """After a demo started with umask 022 (one left readable from before, too), every file
    in its state folder (data, logs, graphs, runtime) is 0600 and every folder 0700."""
    (short_tmp / "log").mkdir(mode=0o755)
    (short_tmp / "log" / "supervisord.log").write_text("an older run's line\n")
    (short_tmp / "log" / "supervisord.log").chmod(0o644)
    process = start_run(short_tmp)
    output = Output(process)
    try:
        wait_until(lambda: "graphs of the month written to" in output.text, 300, "the graphs")
        process.send_signal(signal.SIGINT)
        assert process.wait(120) == 0, output.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        output.close()
    assert (short_tmp / "data" / "telemetry.db").exists()
    assert list((short_tmp / "graphs").rglob("*.png"))
    assert len(list((short_tmp / "log").glob("*.log"))) >= 6
    assert not_private(short_tmp) == []


def test_a_run_after_a_ctrl_c_in_the_middle_of_the_month_reaches_today(short_tmp: Path) -> None:
    """Ctrl-C after the month's first day; the next run in the folder plays it all again."""
    stopped = play_until(short_tmp, "interrupted", days=1)
    assert len(played_days(stopped)) == 1, stopped.text
    output = play_until(short_tmp, "next", days=3)
    days = played_days(output)
    assert len(days) == 3, output.text
    assert_posted_once_a_day(output)


def play_until(state: Path, attempt: str, *, days: int) -> Output:
    """A run in ``state`` until ``days`` day lines are printed (or it gives up), then
    stopped with Ctrl-C; what it printed."""
    process = start_run(state)
    output = Output(process)
    try:
        wait_until(
            lambda: len(played_days(output)) >= days or process.poll() is not None,
            180,
            f"the {attempt} run's day {days}",
        )
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        status = process.wait(120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        output.close()
    assert status == 0, output.text
    return output


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--days", "-1"),
        ("--days", "two"),
        ("--days", "400"),
        ("--speed", "0"),
        ("--month-speed", "x"),
        ("--members", "0"),
        ("--members", "many"),
    ],
)
def test_run_refuses_a_bad_option_before_starting_anything(option: str, value: str) -> None:
    """A bad number is refused with its reason and status 2; nothing is started."""
    done = subprocess.run(
        [sys.executable, "-m", "admin", "run", option, value],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert option in done.stderr
    assert "emulator" not in done.stdout


def test_the_demo_calendar_waits_for_set_up_then_plays_the_month_fast_and_today_watchably() -> None:
    """The real pace from the end of the eve's window while the bot is set up (here it takes
    40 s), then the month at the month's pace, today's pace before its post, and the real
    pace once today's window is over."""
    settings = DemoSettings(days=28, speed=600.0, month_speed=20_000.0)
    spec = CommunitySpec()
    today = date(2026, 12, 1)
    zone = ZoneInfo(spec.timezone)
    setup = setup_calendar(today, settings, spec)
    began = datetime.fromtimestamp(setup.calendar_at(setup.at), zone)
    assert began == datetime(2026, 11, 3, tzinfo=zone)  # the eve's window ends at midnight
    set_up = Calendar(setup.paces, at=setup.at - 40)  # 40 s ago
    calendar = month_calendar(set_up, today, settings, spec)
    assert calendar.calendar_at(calendar.at + 40) == pytest.approx(began.timestamp() + 40)
    post = datetime(2026, 12, 1, spec.post_hour, tzinfo=zone).timestamp()
    month_seconds = calendar.real_at(post - 15 * 60) - calendar.real_at(began.timestamp() + 40)
    assert 120 <= month_seconds <= 125  # about two minutes for the month
    assert calendar.real_at(post) - calendar.real_at(post - 15 * 60) == pytest.approx(1.5)
    over = datetime(2026, 12, 1, spec.window_start_hour, tzinfo=zone) + timedelta(
        hours=spec.window_hours
    )
    after = calendar.real_at(over.timestamp())
    assert calendar.real_at(over.timestamp() + 3600) - after == pytest.approx(3600)

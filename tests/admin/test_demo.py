"""The demo's today: an evening worth watching whatever the date, then a summary that stays."""

from __future__ import annotations

import codecs
import os
import pty
import re
import signal
import subprocess
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from admin.demo import CLOCK_FILE
from bus.clock import Calendar, FollowedCalendar
from emulator.simulator.community import (
    HABIT_WEEKS,
    CommunitySpec,
    Kind,
    personas,
    plan_day,
    showcase,
)
from tests.admin.conftest import demo_process
from tests.helpers import wait_until

CLEAR = "\x1b[2J"
SUMMARY = "=== today is over ==="
WEEK = [date(2026, 12, 7) + timedelta(days=n) for n in range(7)]  # Monday to Sunday


class Terminal:
    """A process's terminal (a pty) read by a thread: what a newcomer sees, clears included."""

    def __init__(self) -> None:
        self._master, self.slave = pty.openpty()
        self._text: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        os.close(self.slave)  # the child holds it: reading ends when the child is gone
        self._thread.start()

    def _read(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            with self._lock:
                self._text.append(decoder.decode(chunk).replace("\r", ""))

    @property
    def text(self) -> str:
        with self._lock:
            return "".join(self._text)

    def close(self) -> None:
        self._thread.join(10)
        os.close(self._master)


def start_demo(state: Path, terminal: Terminal) -> subprocess.Popen[bytes]:
    """``python -m admin run`` without a token, on a terminal: eight members, three weeks
    played fast (the nudge needs the same weekday in two of them), today at 900x."""
    options = ["--members", "8", "--days", "22", "--month-speed", "40000", "--speed", "900"]
    process = demo_process(state, options, stdout=terminal.slave, stderr=terminal.slave)
    terminal.start()
    return process


def posted_days(state: Path) -> list[str]:
    """The days whose daily message the scheduler says it posted."""
    log = state / "log" / "scheduler.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return re.findall(r"posted the (\d{4}-\d\d-\d\d) message", text)


def fleet_calendar(state: Path) -> Calendar:
    """The calendar the demo's fleet follows (``SQUADTIME_CLOCK=follow <file>``)."""
    return FollowedCalendar(state / "run" / CLOCK_FILE)


def lines_between(text: str, first: str, last: str) -> list[str]:
    """The lines after the first one starting with ``first``, up to the one starting with
    ``last``."""
    lines = text.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if line.startswith(last) and i > begin)
    return lines[begin + 1 : end]


@pytest.mark.fleet
@pytest.mark.timeout(420)
def test_today_shows_every_act_then_a_summary_that_stays(short_tmp: Path) -> None:
    """Today's transcript names a greeting heard, a reminder, a call, an event and a nudge;
    the backup and the graphs come after today's window; after the summary nothing redraws
    the screen, even when the next day's message is posted."""
    terminal = Terminal()
    process = start_demo(short_tmp, terminal)
    try:
        wait_until(lambda: SUMMARY in terminal.text, 300, "today's summary")
        calendar = fleet_calendar(short_tmp)
        process.send_signal(signal.SIGINT)
        assert process.wait(120) == 0, terminal.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        terminal.close()
    text = terminal.text
    today = lines_between(text, "today, ", "today's window is over")
    acts = "\n".join(line for line in today if re.match(r"\d\d:\d\d ", line))
    greeting = re.search(r"^\d\d:\d\d greeting heard by (.+) in \w+: 'Hi (\w+)! ", acts, re.M)
    assert greeting is not None, text
    assert greeting[2] in greeting[1].split(", "), text  # the greeted member heard it
    assert re.search(r"^\d\d:\d\d reminder to \w+: ⏰ You play at \d\d:\d\d", acts, re.M), text
    assert re.search(r"^\d\d:\d\d call in #daily: 🎮 Enough players for \d\d:\d\d", acts, re.M)
    assert re.search(r"^\d\d:\d\d event '.+' scheduled for \d\d:\d\d in Lobby$", acts, re.M)
    assert re.search(r"^\d\d:\d\d nudge to \w+: 👋 Your usual crew plays today", acts, re.M)
    assert not [line for line in today if line.startswith("greeting not heard")], text
    after = text[text.index("today's window is over") :]
    assert "backup: " in after
    assert "graphs of the month written to" in after
    assert "backup: " not in text[: text.index("today's window is over")]
    kept = text[text.index(SUMMARY) :]
    assert re.search(r"^graphs: .+/graphs/\d+$", kept, re.M), kept
    assert re.search(r"^dashboard: http://127\.0\.0\.1:\d+/ ", kept, re.M), kept
    assert CLEAR in text[: text.index(SUMMARY)]  # a terminal: the message was redrawn...
    assert CLEAR not in kept  # ...and is not any more once today is over
    assert "--- daily message" not in kept
    # The bot left running stays on the demo's evening: its clock goes at the real pace now.
    now = calendar.now()
    assert calendar.real_at(now + 3600) - calendar.real_at(now) == pytest.approx(3600)
    assert 0 <= now - calendar.paces[-1].begins < 600  # minutes after today's window ended
    assert kept.rstrip().endswith("stopped")


@pytest.mark.parametrize("day", WEEK, ids=[f"{d:%a}" for d in WEEK])
def test_every_weekday_has_the_whole_showcase(day: date) -> None:
    """Whatever today's weekday: the crew clicks the hour, the greeted member is alone in the
    crew's channel an hour before it, the silent regular does nothing today and met the crew
    there on each of the weeks before, and nobody else starts playing around the greeting."""
    spec = CommunitySpec(members=8, seed=7, showcase=day)
    show = showcase(spec)
    assert show is not None
    zone = ZoneInfo(spec.timezone)
    evening = plan_day(spec, day)
    marks = {(a.member, a.target) for a in evening if a.kind is Kind.MARK}
    assert all((name, str(show.hour)) in marks for name in show.crew)
    assert not [a for a in evening if a.member == show.nudged]
    usual = next(p.usual for p in personas(spec) if p.name == show.nudged)
    assert all(day.weekday() != d for d, _ in usual)  # nothing says they are in today
    joins = [a for a in evening if a.kind in (Kind.JOIN, Kind.MOVE) and a.target == show.channel]
    assert joins[0].member == show.greeted
    assert joins[0].at == datetime.combine(day, time(show.hour - 1), zone)
    assert joins[1].at == datetime.combine(day, time(show.hour), zone)
    assert {a.member for a in joins} == set(show.crew)
    greeting = datetime.combine(day, time(show.hour), zone)
    others = [a for a in evening if a.kind is Kind.JOIN and a.member not in show.cast]
    assert not [a for a in others if greeting - timedelta(hours=4) <= a.at < greeting]
    for weeks in range(1, HABIT_WEEKS + 1):
        habit = plan_day(spec, day - timedelta(days=7 * weeks))
        met = {a.member for a in habit if a.kind is Kind.JOIN and a.target == show.channel}
        assert show.cast <= met


def test_the_showcase_leaves_other_days_as_they_were() -> None:
    """The same seed and day give the same cast; days that are neither the showcase nor one
    of its weeks before play exactly as without a showcase."""
    spec = CommunitySpec(members=16, seed=7, showcase=WEEK[0])
    assert showcase(spec) == showcase(spec)
    assert showcase(CommunitySpec(members=16, seed=7)) is None
    plain = CommunitySpec(members=16, seed=7)
    for day in [*WEEK[1:], WEEK[0] + timedelta(days=7), WEEK[0] - timedelta(days=35)]:
        assert plan_day(spec, day) == plan_day(plain, day)

"""The fleet's clocks: calendar time, and the real wall clock.

They live in ``bus/``, the library the services and the emulator both import, because the
emulator reads the same calendar as the bot and never imports a service.

squadtime reads two kinds of time, never mixed:

- **Calendar time** says what instant it is *for the community*: the stamp of an event, the
  ends of a voice session, when the daily message is due, which hour a click or a join
  belongs to, the period of a graph. It comes from a :class:`Calendar`, chosen for the whole
  fleet by one setting, ``SQUADTIME_CLOCK``: the real clock in production, or a *scaled*
  clock against the emulator's simulated community, so that a month can be played in
  minutes. Every process (and the emulator, for its timestamps and snowflakes) parses the
  same setting, so they all agree on the simulated instant without talking to each other.
- **The real wall clock** (:func:`wall_time`) is for instants another process compares
  with its own clock, which must stay real in a simulation too: a request's deadline on
  the bus, an interaction token's 15-minute lifetime, when a process started.

Timers inside one process (a debounce, a retry, a heartbeat, Discord's 3-second rule) are
neither: they are durations on the event loop's monotonic clock (``asyncio.sleep``,
``loop.time()``).

Whoever reads one of these clocks takes a :class:`Clock`, whose one method, ``now()``, is all
a reader needs and all a test must fake; which clock it is (a :class:`Calendar`,
:data:`WALL` or :data:`STEADY`) is said where it is taken. A service that also waits for
calendar instants takes an :class:`AlarmClock`.

The wall clock jumps. A Raspberry Pi has no real-time clock: it boots with the time it
saved at shutdown, and NTP later steps it by hours, either way (and NTP may step it again).
So the two places where calendar time meets a duration read the monotonic clock too:

- a calendar *sleep* re-reads the wall clock at least every :attr:`Calendar.recheck` real
  seconds (a minute), so a step during it moves its wake-up by at most that much, instead
  of delaying the daily post by the size of a forward step or waking an hour early after a
  backward one;
- a *span* measured within one process (a voice stay) is its start plus the monotonic time
  elapsed since (:meth:`Calendar.mark`, :meth:`Mark.real_after`), so a step inside it does
  not stretch or shrink it.

A scaled clock is a list of *paces*: from calendar instant ``begins`` on, calendar time runs
``speed`` times as fast as real time. The first pace begins at the real instant ``at``;
before it, calendar time stands still at the first pace's start. The setting reads::

    SQUADTIME_CLOCK=real
    SQUADTIME_CLOCK=scaled at=1764620000.5 from=2026-11-02T00:00:00+01:00 speed=20000
                           from=2026-11-30T11:45:00+01:00 speed=600

(one line; later ``from``/``speed`` pairs change the pace at that calendar instant).

A calendar may also be *followed* from a file that holds such a line, with
``SQUADTIME_CLOCK=follow /path/to/file``: the demo starts the fleet on a clock at the real
pace and only writes the month's fast paces once the bot is set up, which takes as long as
the machine needs (see :class:`FollowedCalendar`).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Protocol

SETTING = "SQUADTIME_CLOCK"


class ClockSettingError(ValueError):
    """``SQUADTIME_CLOCK`` is malformed; the message says how."""


class Clock(Protocol):
    """A clock's reading now, in seconds: calendar, wall or monotonic, as its taker says."""

    def now(self) -> float: ...


class AlarmClock(Clock, Protocol):
    """Calendar time now, and a wait for a calendar instant that ``wake`` cuts short: what a
    service that acts at due times takes (a :class:`Calendar`, or a test's hand-moved clock)."""

    def real_delay(self, instant: float) -> float:
        """Real seconds until the calendar reads ``instant`` (inf for a clock moved by hand)."""
        ...

    async def sleep_until(self, instant: float, wake: asyncio.Event) -> None: ...


def wall_time() -> float:
    """The real wall clock, in unix seconds, for instants compared across processes."""
    return time.time()


class _Wall:
    """The machine's wall clock as a :class:`Clock`."""

    def now(self) -> float:
        return wall_time()


class _Steady:
    """The machine's monotonic clock as a :class:`Clock`: seconds from an arbitrary start,
    never stepped, for durations within one process."""

    def now(self) -> float:
        return time.monotonic()


WALL: Final[Clock] = _Wall()
"""The real wall clock, for instants another process compares with its own."""

STEADY: Final[Clock] = _Steady()
"""The monotonic clock, for timers and durations within one process."""


@dataclass(frozen=True, slots=True)
class Mark:
    """The wall clock and the monotonic clock, read together."""

    wall: float
    steady: float

    def real_after(self, later: Mark) -> float:
        """The real instant of ``later``, measured from this mark on the monotonic clock: a
        wall-clock step between the two readings does not move it."""
        return self.wall + (later.steady - self.steady)


@dataclass(frozen=True, slots=True)
class Pace:
    """From calendar instant ``begins`` (unix seconds) on, ``speed`` calendar seconds a second."""

    begins: float
    speed: float


class Calendar:
    """Calendar time: the real clock, or a scaled one (see the module docstring).

    ``wall`` and ``steady`` are the machine's wall clock and monotonic clock (the event
    loop's own, ``time.monotonic``); a test passes its own to step the wall clock.
    """

    recheck = 60.0
    """The most real seconds a calendar sleep goes without reading the wall clock again."""

    def __init__(
        self,
        paces: Sequence[Pace] = (),
        *,
        at: float = 0.0,
        wall: Clock = WALL,
        steady: Clock = STEADY,
    ) -> None:
        for earlier, later in itertools.pairwise(paces):
            if later.begins <= earlier.begins:
                raise ClockSettingError("each 'from' must come after the one before it")
        for pace in paces:
            if not (math.isfinite(pace.speed) and pace.speed > 0):
                raise ClockSettingError(f"speed {pace.speed!r} must be a positive number")
        self.paces = tuple(paces)
        self.at = at
        self.wall = wall
        self.steady = steady

    @property
    def scaled(self) -> bool:
        return bool(self.paces)

    def now(self) -> float:
        """The calendar instant, in unix seconds."""
        return self.calendar_at(self.wall.now())

    def mark(self) -> Mark:
        """The machine's wall and monotonic clocks now, to measure a span from."""
        return Mark(self.wall.now(), self.steady.now())

    def calendar_at(self, real: float) -> float:
        """The calendar instant at real instant ``real``."""
        if not self.paces:
            return real
        elapsed = real - self.at
        if elapsed <= 0:
            return self.paces[0].begins
        for pace, following in zip(self.paces, self.paces[1:], strict=False):
            lasts = (following.begins - pace.begins) / pace.speed
            if elapsed < lasts:
                return pace.begins + elapsed * pace.speed
            elapsed -= lasts
        last = self.paces[-1]
        return last.begins + elapsed * last.speed

    def real_at(self, instant: float) -> float:
        """The real instant at which the calendar reads ``instant`` (the first, if it stands
        still there)."""
        if not self.paces:
            return instant
        real = self.at
        if instant <= self.paces[0].begins:
            return real
        for pace, following in zip(self.paces, self.paces[1:], strict=False):
            if instant <= following.begins:
                return real + (instant - pace.begins) / pace.speed
            real += (following.begins - pace.begins) / pace.speed
        last = self.paces[-1]
        return real + (instant - last.begins) / last.speed

    def real_delay(self, instant: float) -> float:
        """Real seconds from now until the calendar reads ``instant`` (0 if it has)."""
        return max(self.real_at(instant) - self.wall.now(), 0.0)

    async def sleep_until(self, instant: float, wake: asyncio.Event | None = None) -> None:
        """Wait until the calendar reads ``instant``, or until ``wake`` is set.

        The wait is cut into pieces of at most ``recheck`` real seconds, each computed from
        a fresh reading of the wall clock, so that a step of the wall clock moves the
        wake-up by at most ``recheck`` seconds either way (see the module docstring).
        """
        delay = self.real_delay(instant)
        while True:
            if await _pause(min(delay, self.recheck), wake):
                return
            delay = self.real_delay(instant)
            if delay <= 0:
                return

    async def sleep(self, seconds: float, wake: asyncio.Event | None = None) -> None:
        """Wait ``seconds`` of calendar time, or until ``wake`` is set."""
        await self.sleep_until(self.now() + seconds, wake)

    def setting(self) -> str:
        """This clock as ``SQUADTIME_CLOCK`` spells it."""
        if not self.paces:
            return "real"
        paces = " ".join(
            f"from={datetime.fromtimestamp(p.begins, UTC).isoformat()} speed={p.speed:g}"
            for p in self.paces
        )
        return f"scaled at={self.at!r} {paces}"

    def __repr__(self) -> str:
        return f"Calendar({self.setting()!r})"


async def _pause(seconds: float, wake: asyncio.Event | None) -> bool:
    """Wait ``seconds`` on the monotonic clock; True when ``wake`` was set meanwhile."""
    if wake is None:
        await asyncio.sleep(seconds)
        return False
    try:
        async with asyncio.timeout(seconds):
            await wake.wait()
    except TimeoutError:
        return False
    return True


class FollowedCalendar(Calendar):
    """A calendar read from a file that its writer may extend while the fleet runs.

    The demo's month must begin only once the bot is logged in and set up, and how long
    that takes depends on the machine (seconds here, longer on a loaded machine or a Pi):
    a month fixed in advance at 20,000x lost its first weeks, and with them the habits the
    evening's nudge needs. So the fleet starts on a calendar at the real pace, and the demo
    rewrites the file with the fast paces once set-up is done. A new calendar agrees with the
    old one up to the moment it is written (its writer keeps the first paces and starts the
    next at the instant it reads), so calendar time only ever moves forward.

    Each reading looks at the file at most every :attr:`look` real seconds, and a sleep
    wakes every :attr:`recheck` to see a change: a sleep computed at the real pace must not
    outlast the switch to a fast one. The writer replaces the file whole (a rename), so a
    reader never sees half of one.
    """

    recheck = 0.5
    look = 0.1
    """The most real seconds a reading goes without looking for a new calendar."""

    def __init__(self, path: Path, *, wall: Clock = WALL, steady: Clock = STEADY) -> None:
        super().__init__(wall=wall, steady=steady)
        self.path = path
        self._text = ""
        self._looked = -math.inf
        self._follow()

    def _follow(self) -> None:
        # The file is read, not just stat-ed: two writes in one tick of the kernel's file
        # clock, into a reused inode, would look unchanged. It is one short line.
        looked = self.steady.now()
        if looked - self._looked < self.look:
            return
        self._looked = looked
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ClockSettingError(f"{SETTING}: cannot read {self.path}: {error}") from None
        if text != self._text:
            if text.startswith("follow"):
                raise ClockSettingError(f"{SETTING}: {self.path} follows another file")
            calendar = parse_calendar(text)
            self.paces, self.at, self._text = calendar.paces, calendar.at, text

    def calendar_at(self, real: float) -> float:
        self._follow()
        return super().calendar_at(real)

    def real_at(self, instant: float) -> float:
        self._follow()
        return super().real_at(instant)

    def setting(self) -> str:
        return f"follow {self.path}"


def write_calendar(path: Path, calendar: Calendar) -> None:
    """Write ``calendar`` for a :class:`FollowedCalendar` to read, whole or not at all, and
    private (0600) like every file the fleet writes."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(calendar.setting() + "\n")
    os.replace(partial, path)


def parse_calendar(text: str) -> Calendar:
    """The calendar that ``SQUADTIME_CLOCK``'s value ``text`` names."""
    words = text.split()
    if not words or words == ["real"]:
        return Calendar()
    if words[0] == "follow" and len(words) == 2 and Path(words[1]).is_absolute():
        return FollowedCalendar(Path(words[1]))
    if words[0] != "scaled":
        raise ClockSettingError(
            f"{SETTING} must be 'real', 'scaled at=... from=... speed=...' or 'follow /a/file'"
        )
    at: float | None = None
    paces: list[Pace] = []
    begins: float | None = None
    for word in words[1:]:
        key, _, value = word.partition("=")
        match key:
            case "at" if at is None:
                at = _number(value, "at")
            case "from" if begins is None:
                begins = _instant(value)
            case "speed" if begins is not None:
                paces.append(Pace(begins, _number(value, "speed")))
                begins = None
            case _:
                raise ClockSettingError(f"{SETTING}: unexpected {word!r}")
    if at is None or begins is not None or not paces:
        raise ClockSettingError(f"{SETTING}: a scaled clock needs at=, then from= and speed= pairs")
    return Calendar(paces, at=at)


def calendar_from_env(env: Mapping[str, str]) -> Calendar:
    """The fleet's calendar, from ``SQUADTIME_CLOCK`` (the real clock when unset)."""
    return parse_calendar(env.get(SETTING, "real"))


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ClockSettingError(f"{SETTING}: {name}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise ClockSettingError(f"{SETTING}: {name}={text!r} is not a finite number")
    return value


def _instant(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ClockSettingError(f"{SETTING}: from={text!r} is not an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise ClockSettingError(f"{SETTING}: from={text!r} needs a UTC offset")
    return moment.timestamp()

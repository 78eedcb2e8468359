"""Reminder benchmark: N members' reminders due at the same minute, each delivered once, within
Discord's rate limits.

``python -m bench.reminders [--members N] [--lead S] [--batch N] [--timeout S]``. A local
emulator, an in-process broker and the real telemetry, gateway and scheduler processes share
one calendar (``SQUADTIME_CLOCK`` for the processes, a ``CalendarClock`` for the emulator).
It runs at real pace, since Discord's rate limits count real seconds; only its start is
chosen: the reminders fall due ``--lead`` seconds after the fleet starts. In that time an
admin sets up the daily message, then N members each run ``/remind on`` (by DM, 15 minutes
before) and click the same hour, ``--batch`` of them at a time; the run fails if set-up
overruns the lead.

The figures:

* delivered: members with a reminder in their DMs (the emulator driver's ``dms``), and
  duplicates: members with more than one; telemetry's records of the reminders as sent;
* 429s: the answers the emulator's rate-limit buckets gave, over the whole run and from the
  due instant on (Discord counts too many of them against the bot);
* time from the due instant to the first, median and last delivery, from the DM messages'
  snowflakes (the emulator stamps them with the shared calendar, at real pace);
* the baseline: each DM needs two requests (open the DM channel, send the message) and
  Discord's global limit lets a bot make 50 at once, then 50 more each second, so N DMs
  take at least ceil(2N / 50) - 1 seconds; the last delivery's delay is given as a ratio
  to that floor (none below 26 members, where the floor is 0), with the requests the
  delivery really made per DM (the emulator's request log);
* the scheduler's resident memory, once idle just before the reminders fall due and once
  idle after the last delivery.

Every wait is bounded; progress goes to stderr. The last line printed is one JSON object
with the figures. The exit status is 1 when set-up fails, or when the figures show a
reminder lost or doubled or a 429.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BenchFailed,
    Figures,
    in_private_dir,
    report,
    rss_bytes,
    service_env,
    slash_answer,
)
from bus.broker import Broker
from bus.clock import SETTING, Calendar, Pace, wall_time
from bus.endpoints import Endpoints
from emulator import Emulator
from emulator.rules.clock import CalendarClock
from emulator.rules.ratelimit import GLOBAL_EXEMPT_PREFIXES
from emulator.rules.snowflakes import DISCORD_EPOCH_MS
from emulator.rules.state import Channel, Member
from emulator.simulator.seen import SeenMessage

SERVICES = ("telemetry", "gateway", "scheduler")
STEP = 30.0
"""Real seconds for one step of set-up: the fleet's commands, a command's answer."""
HOUR = datetime(2026, 3, 10, 19, tzinfo=UTC)
"""The hour every member clicks; the window starts with it, so its reaction is the first."""
MINUTES = 15  # /remind on's default: the reminders fall due at 18:45
DUE = HOUR - timedelta(minutes=MINUTES)
CLICK = "🇦"
GLOBAL_PER_SECOND = 50  # Discord's global rate limit for a bot
REQUESTS_PER_DM = 2  # POST /users/@me/channels, then POST /channels/{channel_id}/messages
MARGIN = 2.0
"""Real seconds of idle between the end of set-up and the due instant, at least."""
QUIET = 1.0
"""Real seconds without a request to the emulator that count as idle."""
SETTLE = 3.0
"""Real seconds to watch for a late second reminder after the last delivery."""
SEND_ROUTE = "POST /channels/{channel_id}/messages"


@dataclass(frozen=True, slots=True)
class Town:
    """The guild the benchmark plays in."""

    text: Channel
    admin: Member
    members: list[Member]


def _build(emu: Emulator, members: int) -> Town:
    driver = emu.driver
    guild = driver.add_guild("Bench")
    admins = driver.add_role(guild, "Admins", permissions=1 << 5)
    text = driver.add_text_channel(guild, "daily")
    admin = driver.add_member(guild, "admin", roles=[admins])
    return Town(text, admin, [driver.add_member(guild, f"m{n:04d}") for n in range(members)])


# ------------------------------------------------------------------ set-up


async def _in_batches[T](
    items: Iterable[T], act: Callable[[T], Awaitable[None]], batch: int
) -> None:
    """``act`` on every item, at most ``batch`` at once."""
    gate = asyncio.Semaphore(batch)

    async def one(item: T) -> None:
        async with gate:
            await act(item)

    try:
        async with asyncio.TaskGroup() as group:
            for item in items:
                group.create_task(one(item))
    except* BenchFailed as failed:
        raise failed.exceptions[0] from None  # the first member's trouble says it all


def _daily(emu: Emulator, town: Town) -> SeenMessage | None:
    found = [
        m for m in emu.driver.messages(town.text, town.admin) if m.content.startswith("## Who")
    ]
    return found[-1] if found else None


async def _set_up(emu: Emulator, town: Town, batch: int, say: Callable[[str], None]) -> None:
    """The daily message, then every member's ``/remind on`` and click."""
    driver = emu.driver
    await _until(
        emu, lambda: "remind" in {c.name for c in emu.world.commands.values()}, "the commands"
    )
    for command, options in (
        ("config window", {"start": HOUR.hour, "hours": 2}),
        ("config time", {"time": "00:00"}),
        ("config channel", {"channel": town.text.id}),
    ):
        said = await slash_answer(emu, town.admin, town.text, command, within=STEP, **options)
        if not said.startswith("Saved."):
            raise BenchFailed(f"/{command}: {said}")
    await _until(emu, lambda: _daily(emu, town) is not None, "the daily message")
    daily = _daily(emu, town)
    assert daily is not None
    await _until(
        emu, lambda: len(driver.message(daily.id, town.admin).reactions) == 2, "its reactions"
    )

    async def remind(member: Member) -> None:
        said = await slash_answer(emu, member, town.text, "remind on", within=STEP)
        if not said.startswith("Reminders are on"):
            raise BenchFailed(f"/remind on for {member.user_id}: {said}")

    async def click(member: Member) -> None:
        await driver.react(member, daily.id, CLICK)

    say("the daily message is up")
    await _in_batches(town.members, remind, batch)
    say(f"{len(town.members)} members ran /remind on")
    await _in_batches(town.members, click, batch)
    say(f"{len(town.members)} members clicked")
    # Every click is in the scheduler's day once the message counts them all.
    counted = f"{CLICK} <t:{int(HOUR.timestamp())}:t> · **{len(town.members)}** ·"
    await _until(
        emu,
        lambda: counted in driver.message(daily.id, town.admin).content,
        "every click in the daily message",
        timeout=2 * STEP,
    )


async def _until(
    emu: Emulator, condition: Callable[[], bool], what: str, *, timeout: float = STEP
) -> None:
    try:
        await emu.driver.wait_until(condition, timeout=timeout)
    except TimeoutError:
        raise BenchFailed(f"no {what} within {timeout:.0f} s") from None


async def _quiet(emu: Emulator, timeout: float) -> None:
    """Wait until the emulator has had no request for ``QUIET`` seconds (the bot is idle)."""
    deadline = time.monotonic() + timeout
    while True:
        records = emu.requests.records
        last = records[-1].at if records else 0.0
        idle_for = time.monotonic() - last
        if idle_for >= QUIET:
            return
        if time.monotonic() + QUIET - idle_for > deadline:
            raise BenchFailed(f"the bot was still busy {timeout:.0f} s later")
        await asyncio.sleep(QUIET - idle_for)


# ---------------------------------------------------------------- delivery


class DmCounter:
    """DM channels the bot has posted in, read from the emulator's request log as it grows
    (cheap enough to ask after every change; the figures count with the driver)."""

    def __init__(self, emu: Emulator) -> None:
        self._emu = emu
        self._read = 0
        self._channels: set[int] = set()

    def update(self) -> int:
        records = self._emu.requests.records
        dm_channels = self._emu.world.dm_channels
        for record in records[self._read :]:
            if record.key == SEND_ROUTE and record.status == 200:
                channel_id = int(record.params["channel_id"])
                if channel_id in dm_channels:
                    self._channels.add(channel_id)
        self._read = len(records)
        return len(self._channels)


def _sent_at(message: SeenMessage) -> float:
    """The calendar instant a message was created at, from its snowflake."""
    return ((message.id >> 22) + DISCORD_EPOCH_MS) / 1000


def _recorded(database: Path) -> dict[str, int]:
    """Telemetry's reminder records by state (``services/telemetry/deliveries.py``)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        rows = connection.execute(
            "SELECT state, COUNT(*) FROM deliveries WHERE kind = 0 GROUP BY state"
        ).fetchall()
    names = ("claimed", "sent", "dropped")
    return {names[state]: count for state, count in rows}


async def _deliveries(emu: Emulator, town: Town, timeout: float) -> bool:
    """Wait for one DM per member (bounded); whether they all came in time."""
    counter = DmCounter(emu)
    try:
        await emu.driver.wait_until(lambda: counter.update() >= len(town.members), timeout=timeout)
    except TimeoutError:
        return False
    return True


def _floor(members: int) -> float:
    """The fewest seconds from the first request to the last for ``members`` DMs: Discord's
    global limit lets 50 requests go at once, then 50 more each second."""
    return float(math.ceil(REQUESTS_PER_DM * members / GLOBAL_PER_SECOND) - 1)


def _delivery_figures(emu: Emulator, town: Town, due_mono: float) -> Figures:
    driver = emu.driver
    hour = f"<t:{int(HOUR.timestamp())}:t>"
    received = {
        member.user_id: [
            m for m in driver.dms(member) if m.content.startswith("⏰") and hour in m.content
        ]
        for member in town.members
    }
    firsts = sorted(_sent_at(dms[0]) - DUE.timestamp() for dms in received.values() if dms)
    delivered = len(firsts)
    during = [r for r in emu.requests.records if r.at >= due_mono]
    limited = [r for r in during if not r.path.startswith(GLOBAL_EXEMPT_PREFIXES)]
    floor = _floor(len(town.members))
    last = firsts[-1] if firsts else None
    return {
        "delivered": delivered,
        "all_delivered": delivered == len(town.members),
        "duplicates": sum(1 for dms in received.values() if len(dms) > 1),
        "http_429": sum(1 for r in emu.requests.records if r.status == 429),
        "http_429_from_due": sum(1 for r in during if r.status == 429),
        "due_to_first_dm_s": round(firsts[0], 3) if firsts else None,
        "due_to_median_dm_s": round(statistics.median(firsts), 3) if firsts else None,
        "due_to_last_dm_s": round(last, 3) if last is not None else None,
        "timed_by": "DM snowflakes (shared calendar, real pace)",
        "floor_s": round(floor, 2),
        "floor": f"{REQUESTS_PER_DM} requests a DM, {GLOBAL_PER_SECOND} at once, then"
        f" {GLOBAL_PER_SECOND} a second",
        "last_dm_to_floor_ratio": round(last / floor, 2) if last is not None and floor else None,
        "requests_per_dm": round(len(limited) / delivered, 2) if delivered else None,
        "dms_per_second": round(delivered / last, 1) if last else None,
    }


# ------------------------------------------------------------------ the run


async def _spawn(runtime: Path, emu: Emulator, calendar: Calendar) -> dict[str, Any]:
    env = service_env(runtime, emu.api_url, emu.token, **{SETTING: calendar.setting()})
    return {
        name: await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"services.{name}",
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sys.stderr.fileno(),  # stdout is for the summary and the JSON line
        )
        for name in SERVICES
    }


async def _stop(processes: Iterable[asyncio.subprocess.Process]) -> None:
    """SIGTERM, then SIGKILL for any that does not end in time; reaped either way."""
    for process in processes:
        if process.returncode is None:
            process.terminate()
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), STEP)
        except TimeoutError:
            process.kill()
            await process.wait()


def _say(started: float, what: str) -> None:
    """A progress line on stderr (stdout is for the summary and the JSON line)."""
    print(f"[{time.monotonic() - started:6.1f} s] {what}", file=sys.stderr)


async def measure(args: argparse.Namespace, runtime: Path) -> Figures:
    members, lead, batch, timeout = args.members, args.lead, args.batch, args.timeout
    started = time.monotonic()
    # The calendar reaches the due instant ``lead`` real seconds from now, at real pace.
    calendar = Calendar([Pace(DUE.timestamp() - lead, 1.0)], at=wall_time())
    database = runtime / "data" / "telemetry.db"
    broker = Broker(Endpoints.ipc(runtime))
    broker.start()
    try:
        async with Emulator(clock=CalendarClock(calendar)) as emu:
            town = _build(emu, members)
            processes = await _spawn(runtime, emu, calendar)
            try:
                await _set_up(emu, town, batch, lambda what: _say(started, what))
                set_up = time.monotonic() - started
                left = calendar.real_delay(DUE.timestamp())
                _say(started, f"set up {members} members; {left:.1f} s left before they are due")
                if left < MARGIN:
                    raise BenchFailed(
                        f"set-up took {set_up:.1f} s of the {lead:g} s lead before the reminders"
                        f" fall due: raise --lead (to {set_up + 2 * MARGIN + 10:.0f} or more)"
                    )
                await _quiet(emu, max(left - MARGIN / 2, QUIET))
                await calendar.sleep_until(DUE.timestamp() - MARGIN / 2)
                idle_before = rss_bytes(processes["scheduler"].pid)
                await calendar.sleep_until(DUE.timestamp())
                due_mono = time.monotonic()
                _say(started, "due")
                in_time = await _deliveries(emu, town, timeout)
                _say(started, "delivered" if in_time else f"not all delivered in {timeout:g} s")
                await asyncio.sleep(SETTLE)  # watching for a late second reminder
                await _quiet(emu, STEP)
                idle_after = rss_bytes(processes["scheduler"].pid)
            finally:
                # Stop the bot while the emulator still answers, so nothing reconnects.
                await _stop(processes.values())
            # Counted once the bot is stopped: the counting keeps the emulator busy.
            figures = _delivery_figures(emu, town, due_mono)
            recorded = _recorded(database)
    finally:
        broker.stop()
    return {
        "bench": "reminders",
        "members": members,
        "lead_s": lead,
        "set_up_s": round(set_up, 1),
        "in_time": in_time,
        **figures,
        "recorded_sent": recorded.get("sent", 0),
        "recorded_dropped": recorded.get("dropped", 0),
        "recorded_claimed": recorded.get("claimed", 0),
        "scheduler_idle_rss_before_mb": round(idle_before / 2**20, 1),
        "scheduler_idle_rss_after_mb": round(idle_after / 2**20, 1),
        "scheduler_rss_growth_ratio": round(idle_after / idle_before, 3),
    }


def summary(figures: Figures) -> str:
    return (
        f"{figures['delivered']} of {figures['members']} reminders delivered,"
        f" {figures['duplicates']} twice, {figures['http_429']} 429s; last"
        f" {figures['due_to_last_dm_s']} s after the due minute (floor {figures['floor_s']} s,"
        f" ratio {figures['last_dm_to_floor_ratio']}); scheduler idle RSS"
        f" {figures['scheduler_idle_rss_before_mb']} -> {figures['scheduler_idle_rss_after_mb']}"
        " MiB"
    )


def _broken(figures: Figures) -> str:
    """What the run shows wrong with the bot, if anything."""
    wrong = []
    if not figures["all_delivered"]:
        wrong.append(f"{figures['members'] - figures['delivered']} reminders never came")
    if figures["duplicates"]:
        wrong.append(f"{figures['duplicates']} members were reminded twice")
    if figures["http_429"]:
        wrong.append(f"Discord answered {figures['http_429']} requests with 429")
    return "; ".join(wrong)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--members", type=int, default=1000, metavar="N", help="members reminded (default 1000)"
    )
    parser.add_argument(
        "--lead",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds from the fleet's start to the due instant, for set-up (default 120;"
        " 1,000 members were set up in about 45 s on two cores)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=20,
        metavar="N",
        help="members running /remind on, then clicking, at once during set-up (default 20)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds after the due instant to wait for every reminder (default 300)",
    )
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be at least 1")
    if args.lead <= MARGIN:
        parser.error(f"--lead must be more than {MARGIN:g} seconds")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    if not 0 < args.timeout < MINUTES * 60:
        parser.error(f"--timeout must be positive and under {MINUTES} minutes")
    try:
        figures = in_private_dir(lambda runtime: measure(args, runtime))
    except BenchFailed as error:
        print(f"python -m bench.reminders: {error}", file=sys.stderr)
        return 1
    report(summary(figures), figures)
    if broken := _broken(figures):
        print(f"python -m bench.reminders: {broken}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

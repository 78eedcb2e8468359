"""The bot without Discord: the fleet against a local emulator and a simulated community.

The emulator and the community run inside this process rather than as supervised
programs: the emulator *is* Discord here, and a restarted Discord would be an empty one
(no guild, no members), so there is nothing for supervisord to usefully restart; and the
admin's own view (the daily message as members see it, the admin's slash commands) goes
through the emulator's driver, which lives in its process. The bot itself is the real
fleet under supervisord, pointed at the emulator by ``SQUADTIME_DISCORD_API``.

One simulated day is played on an accelerated clock from the post time: members react to
the daily message and meet in voice; the message is shown each time it changes. When the
day is over, telemetry takes a backup and every graph of it is written to a folder. It
runs until Ctrl-C (or SIGTERM), which stops supervisord (and with it every program) first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from admin.backup import backup_name, request_backup
from admin.errors import AdminError, Exit
from admin.fleet import CONFIG, tool
from admin.stats import ProgressBar
from emulator import Emulator
from emulator.community import Community, CommunitySpec, Roster
from emulator.config import EmulatorConfig
from emulator.driver import Driver, Outcome, Refused
from emulator.options import OptionValue
from emulator.seen import SeenMessage
from emulator.simclock import SimClock
from services.telemetry.dataset import render_database

DAILY_HEADING = "## Who plays today?"
BOT_READY_TIMEOUT = 120.0
"""From supervisord's start to the scheduler's commands at the emulator (a Pi is slow)."""
POSTED_TIMEOUT = 60.0
ANSWER_TIMEOUT = 30.0
STOP_TIMEOUT = 90.0
"""supervisord stops the programs one after another, each allowed 10 s."""
RANK_EMOJI = ("💎", "🥇", "🥈", "🥉")
TIMESTAMP = re.compile(r"<t:(\d+):[tTdDfFR]>")


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """What the demo plays and where it writes."""

    members: int = 16
    seed: int = 7
    speed: float = 600.0
    graphs: Path = Path("var/graphs")


class Screen:
    """The terminal: the daily message redrawn in place on a TTY, appended otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._shown = ""

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def show(self, message: SeenMessage, clock: SimClock, zone: ZoneInfo) -> None:
        if message.content == self._shown:
            return
        self._shown = message.content
        stamp = clock.now().astimezone(zone)
        if self.tty:
            self.out.write("\x1b[H\x1b[2J")
        self.say(f"--- daily message at {stamp:%H:%M} community time ---")
        self.say(local_times(message.content, zone))
        self.say("---")


def local_times(content: str, zone: ZoneInfo) -> str:
    """Discord's ``<t:UNIX:t>`` hour labels as the community's clock shows them."""

    def label(match: re.Match[str]) -> str:
        return f"{datetime.fromtimestamp(int(match.group(1)), zone):%H:%M}"

    return TIMESTAMP.sub(label, content)


def daily_message(driver: Driver, roster: Roster) -> SeenMessage | None:
    """The bot's newest daily message, as the guild's members see it."""
    found = [
        m
        for m in driver.messages(roster.text, roster.admin)
        if m.author_id == driver.core.bot_id and m.content.startswith(DAILY_HEADING)
    ]
    return found[-1] if found else None


async def _answer(driver: Driver, outcome: Outcome) -> str:
    if outcome.failed:
        return f"failed: {outcome.error}"
    message = outcome.message
    if message is not None and message.loading:
        message = await driver.settle(outcome, timeout=ANSWER_TIMEOUT)
    return message.content.splitlines()[0] if message is not None and message.content else "ok"


async def configure(driver: Driver, spec: CommunitySpec, roster: Roster, screen: Screen) -> None:
    """Set the guild up as its admin would, with /config, then post today's message."""
    steps: list[tuple[str, dict[str, OptionValue]]] = [
        ("config timezone", {"zone": spec.timezone}),
        ("config window", {"start": spec.window_start_hour, "hours": spec.window_hours}),
        ("config time", {"time": f"{spec.post_hour:02d}:00"}),
    ]
    steps += [
        ("config voice", {"channel": channel.id, "counted": True})
        for channel in roster.voice.values()
    ]
    steps += [
        ("config rank", {"role": role.id, "emoji": emoji})
        for role, emoji in zip(roster.ranks.values(), RANK_EMOJI, strict=False)
    ]
    steps += [("config channel", {"channel": roster.text.id}), ("config post-now", {})]
    for command, options in steps:
        try:
            outcome = await driver.slash(roster.admin, roster.text, command, options)
        except Refused as refused:
            screen.say(f"/{command}: refused ({refused})")
            continue
        screen.say(f"/{command}: {await _answer(driver, outcome)}")


async def _bot_ready(driver: Driver) -> None:
    def registered() -> bool:
        return "config" in {c.name for c in driver.world.commands.values()}

    try:
        await driver.wait_until(registered, timeout=BOT_READY_TIMEOUT)
    except TimeoutError:
        raise AdminError(
            f"the bot did not register its commands within {BOT_READY_TIMEOUT:.0f} s;"
            " see the logs (squadtime-admin logs gateway)"
        ) from None


async def _watch(
    driver: Driver, roster: Roster, screen: Screen, clock: SimClock, zone: ZoneInfo
) -> None:
    """Redraw the daily message whenever it changes, until cancelled."""
    while True:
        current = daily_message(driver, roster)
        shown = current.content if current is not None else ""
        if current is not None:
            screen.show(current, clock, zone)

        def changed(before: str = shown) -> bool:
            now = daily_message(driver, roster)
            return now is not None and now.content != before

        with contextlib.suppress(TimeoutError):
            await driver.wait_until(changed, timeout=5.0)


async def _graphs(env: Mapping[str, str], graphs: Path, screen: Screen) -> None:
    """Ask telemetry for a backup of the day, then render every graph from it."""
    backups = Path(env["SQUADTIME_DATA_DIR"]) / "backups"
    backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    reply = await request_backup(env, (backups / backup_name()).absolute())
    screen.say(f"backup of the day: {reply.path} ({reply.size_bytes} bytes)")
    written = await asyncio.to_thread(
        render_database,
        Path(reply.path),
        graphs,
        datetime.now(ZoneInfo("UTC")),
        progress=ProgressBar(screen.out),
    )
    screen.say(f"{len(written)} graphs written to {graphs}")


async def play(
    env: Mapping[str, str],
    driver: Driver,
    community: Community,
    settings: DemoSettings,
    screen: Screen,
) -> None:
    """Configure the guild, play the day while showing the message, then draw the graphs."""
    spec, roster, clock = community.spec, community.roster, community.clock
    screen.say("waiting for the bot to log in to the emulator and register its commands")
    await _bot_ready(driver)
    await configure(driver, spec, roster, screen)
    try:
        await driver.wait_until(
            lambda: daily_message(driver, roster) is not None, timeout=POSTED_TIMEOUT
        )
    except TimeoutError:
        raise AdminError(
            "the daily message was not posted; see squadtime-admin logs scheduler"
        ) from None
    zone = ZoneInfo(spec.timezone)
    watcher = asyncio.create_task(_watch(driver, roster, screen, clock, zone))
    try:
        screen.say(f"{spec.members} simulated members play one day at {settings.speed:g}x speed")
        await community.play_day(clock.now().date())
        screen.say("the simulated day is over")
        await _graphs(env, settings.graphs, screen)
        screen.say("the bot keeps running; Ctrl-C stops it")
        await asyncio.Future()  # until cancelled by Ctrl-C
    finally:
        watcher.cancel()
        await asyncio.wait({watcher})


async def _stop_fleet(process: asyncio.subprocess.Process, screen: Screen) -> int:
    if process.returncode is None:
        screen.say("stopping the fleet")
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            screen.say(f"supervisord did not stop within {STOP_TIMEOUT:.0f} s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    return process.returncode or 0


async def run_demo(env: Mapping[str, str], settings: DemoSettings, out: TextIO) -> Exit:
    """The whole demo, until Ctrl-C; Exit.OK when everything stopped cleanly."""
    screen = Screen(out)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    token = secrets.token_urlsafe(24)
    spec = CommunitySpec(members=settings.members, seed=settings.seed)
    zone = ZoneInfo(spec.timezone)
    today = datetime.now(zone).date()
    clock = SimClock(datetime.combine(today, time(spec.post_hour), zone), speed=settings.speed)
    async with Emulator(EmulatorConfig(token=token)) as emu:
        community = Community(emu.driver, spec, clock)
        community.build()
        screen.say(f"no DISCORD_TOKEN: running against the local Discord emulator at {emu.url}")
        fleet_env = {**env, "DISCORD_TOKEN": token, "SQUADTIME_DISCORD_API": emu.api_url}
        if emu.voice_server is not None:
            # The emulated voice gateway speaks TLS with a certificate made at its start.
            fleet_env["SQUADTIME_VOICE_CA_FILE"] = str(emu.voice.certificate.cert_file)
        fleet_env.pop("DISCORD_TOKEN_FILE", None)
        supervisord = await asyncio.create_subprocess_exec(
            str(tool("supervisord")),
            "-c",
            str(CONFIG),
            env=fleet_env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us; we stop supervisord in order
        )
        screen.say(f"fleet started under supervisord; logs in {env['SQUADTIME_LOG_DIR']}")
        demo = asyncio.create_task(play(env, emu.driver, community, settings, screen))
        stopped = asyncio.create_task(stop.wait())
        exited = asyncio.create_task(supervisord.wait())
        await asyncio.wait({demo, stopped, exited}, return_when=asyncio.FIRST_COMPLETED)
        result = Exit.OK
        if exited.done():
            screen.say(f"supervisord exited unexpectedly (status {supervisord.returncode})")
            result = Exit.FAILED
        elif demo.done() and not demo.cancelled() and demo.exception() is not None:
            error = demo.exception()
            screen.say(f"error: {error}")
            result = error.code if isinstance(error, AdminError) else Exit.FAILED
        for task in (demo, stopped, exited):
            task.cancel()
        await asyncio.wait({demo, stopped, exited})
        status = await _stop_fleet(supervisord, screen)
        if status != 0 and result is Exit.OK:
            result = Exit.FAILED
    screen.say("stopped")
    return result


def demo(env: Mapping[str, str], settings: DemoSettings) -> Exit:
    return asyncio.run(run_demo(env, settings, sys.stdout))

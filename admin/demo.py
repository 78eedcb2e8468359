"""The bot without Discord: the fleet against a local emulator and a simulated community.

The emulator and the community run inside this process rather than as supervised
programs: the emulator *is* Discord here, and a restarted Discord would be an empty one
(no guild, no members), so there is nothing for supervisord to usefully restart; and the
admin's own view (the daily message as members see it, the admin's slash commands) goes
through the emulator's driver, which lives in its process. The bot itself is the real
fleet under supervisord, pointed at the emulator by ``SQUADTIME_DISCORD_API``.

The whole fleet and the emulator share one scaled calendar (``SQUADTIME_CLOCK``, see
``services.runtime.clock``), fixed before anything starts: it begins two days before the
month, runs a month of days in about two minutes (``month_speed``), and slows to a
watchable pace (``speed``) just before today's post. Meanwhile the admin sets the guild up
(during those two days, so the month's first message is on time; a slow start only costs
the first days their message), the members with usual hours save them with
``/schedule edit``, and the community plays each day of the month, one line printed per
day. Then today is played with the daily message shown each time it changes. When today's
window is over, telemetry takes a backup and every graph is written to a folder, drawn from
a month of play. It runs until Ctrl-C (or SIGTERM), which stops supervisord (and with it
every program) first.
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
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from admin.backup import backup_name, request_backup
from admin.errors import AdminError, Exit
from admin.fleet import CONFIG, tool
from admin.stats import ProgressBar
from emulator import Emulator
from emulator.clock import CalendarClock
from emulator.community import Action, Community, CommunitySpec, Kind, Pacer, Roster, stays
from emulator.config import EmulatorConfig
from emulator.driver import Driver, Outcome, Refused
from emulator.options import OptionValue
from emulator.seen import SeenMessage
from emulator.state import Member
from services.runtime.clock import SETTING as CLOCK_SETTING
from services.runtime.clock import Calendar, Pace, wall_time
from services.telemetry.dataset import render_database
from services.web.config import CALLBACK_PATH
from services.web.service import URL_FILE as WEB_URL_FILE

DAILY_HEADING = "## Who plays today?"
SETUP_SUMMARY = "**squadtime setup**"  # where /config's answers begin describing the setup
BOT_READY_TIMEOUT = 120.0
"""From supervisord's start to the scheduler's commands at the emulator (a Pi is slow)."""
POSTED_TIMEOUT = 60.0
ANSWER_TIMEOUT = 30.0
STOP_TIMEOUT = 90.0
"""supervisord stops the programs one after another, each allowed 10 s."""
RANK_EMOJI = ("💎", "🥇", "🥈", "🥉")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SETUP_DAYS = 2
"""Simulated days before the month, for the fleet to start and the admin to set it up."""
TODAY_LEAD = timedelta(minutes=15)
"""Today's pace begins this long before today's post."""
TIMESTAMP = re.compile(r"<t:(\d+):([tTdDfFR])>")


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """What the demo plays and where it writes."""

    members: int = 16
    seed: int = 7
    speed: float = 600.0
    """Today's pace: simulated seconds per real second."""
    graphs: Path = Path("var/graphs")
    days: int = 28
    """Days played before today."""
    month_speed: float = 20_000.0
    """The month's pace: 28 days in about two minutes."""


class Screen:
    """The terminal: the daily message redrawn in place on a TTY, appended otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._shown = ""

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def show(self, message: SeenMessage, clock: Pacer, zone: ZoneInfo) -> None:
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
    """Discord's timestamps (``<t:UNIX:t>``) as the community's clock shows them; a relative
    one (``:R``) as "at 12:00 on Mon 02 Nov"."""

    def label(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1)), zone)
        if match.group(2) == "R":
            return f"at {moment:%H:%M on %a %d %b}"
        return f"{moment:%H:%M}"

    return TIMESTAMP.sub(label, content)


def daily_message(driver: Driver, roster: Roster) -> SeenMessage | None:
    """The bot's newest daily message, as the guild's members see it."""
    found = [
        m
        for m in driver.messages(roster.text, roster.admin)
        if m.author_id == driver.core.bot_id and m.content.startswith(DAILY_HEADING)
    ]
    return found[-1] if found else None


async def _answer(driver: Driver, outcome: Outcome, zone: ZoneInfo) -> str:
    """What the admin reads first in an answer: its lines before the setup summary."""
    if outcome.failed:
        return f"failed: {outcome.error}"
    message = outcome.message
    if message is not None and message.loading:
        message = await driver.settle(outcome, timeout=ANSWER_TIMEOUT)
    if message is None or not message.content:
        return "ok"
    lines = message.content.split(SETUP_SUMMARY, 1)[0].strip().splitlines()
    return local_times(" ".join(lines), zone)


async def configure(driver: Driver, spec: CommunitySpec, roster: Roster, screen: Screen) -> None:
    """Set the guild up as its admin would, with /config; the channel last.

    Setting the channel posts today's message when its time has passed, and otherwise
    the scheduler posts it on time: either way once, and the answer says which.
    """
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
    steps += [("config channel", {"channel": roster.text.id})]
    for command, options in steps:
        try:
            outcome = await driver.slash(roster.admin, roster.text, command, options)
        except Refused as refused:
            screen.say(f"/{command}: refused ({refused})")
            continue
        screen.say(f"/{command}: {await _answer(driver, outcome, ZoneInfo(spec.timezone))}")


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


async def save_usual_hours(driver: Driver, community: Community, screen: Screen) -> None:
    """Members with usual hours save them as a member does: ``/schedule edit``, then pick
    the weekday and the hours in the private editor, by their labels."""
    roster = community.roster
    saved = 0
    for name, persona in roster.personas.items():
        if not persona.usual:
            continue
        member = roster.members[name]
        for weekday in sorted({day for day, _ in persona.usual}):
            hours = [f"{hour:02d}:00" for day, hour in persona.usual if day == weekday]
            try:
                await _pick_hours(driver, roster, member, WEEKDAYS[weekday], hours)
            except (Refused, AdminError) as error:
                screen.say(f"{name} could not save usual hours: {error}")
                break
        else:
            saved += 1
    screen.say(f"{saved} members saved their usual hours with /schedule edit")


async def _pick_hours(
    driver: Driver, roster: Roster, member: Member, weekday: str, hours: list[str]
) -> None:
    outcome = await driver.slash(member, roster.text, "schedule edit", {})
    editor = outcome.message
    if outcome.failed or editor is None:
        raise AdminError(f"/schedule edit failed: {outcome.error}")
    day_select = _select_with(editor, {weekday})
    picked = await driver.select(member, editor.id, day_select.custom_id, [day_select.value])
    shown = picked.message or editor
    hour_select = _select_with(shown, set(hours))
    values = [hour_select.values[label] for label in hours]
    await driver.select(member, shown.id, hour_select.custom_id, values)


@dataclass(frozen=True, slots=True)
class _Select:
    custom_id: str
    values: dict[str, str]  # label -> value

    @property
    def value(self) -> str:
        return next(iter(self.values.values()))


def _select_with(message: SeenMessage, labels: set[str]) -> _Select:
    """The select menu of ``message`` that offers every one of ``labels``."""
    for component in message.selects:
        offered = {option.label: option.value for option in component.options}
        if labels <= offered.keys():
            return _Select(component.custom_id, {label: offered[label] for label in labels})
    raise AdminError(f"no menu offers {sorted(labels)}")


async def _watch(
    driver: Driver, roster: Roster, screen: Screen, clock: Pacer, zone: ZoneInfo
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


async def _graphs(env: Mapping[str, str], graphs: Path, screen: Screen, calendar: Calendar) -> None:
    """Ask telemetry for a backup, then render every graph from it, as of calendar now."""
    backups = Path(env["SQUADTIME_DATA_DIR"]) / "backups"
    backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    reply = await request_backup(env, (backups / backup_name()).absolute())
    screen.say(f"backup: {reply.path} ({reply.size_bytes} bytes)")
    written = await asyncio.to_thread(
        render_database,
        Path(reply.path),
        graphs,
        datetime.fromtimestamp(calendar.now(), UTC),
        progress=ProgressBar(screen.out),
    )
    screen.say(f"{len(written)} graphs of the month written to {graphs}")


def month_calendar(today: date, settings: DemoSettings, spec: CommunitySpec) -> Calendar:
    """The demo's calendar, from now: two days to set up, the month, then today, watchable."""
    zone = ZoneInfo(spec.timezone)
    began = datetime.combine(today - timedelta(days=settings.days + SETUP_DAYS), time(0), zone)
    slows = datetime.combine(today, time(spec.post_hour), zone) - TODAY_LEAD
    return Calendar(
        [Pace(began.timestamp(), settings.month_speed), Pace(slows.timestamp(), settings.speed)],
        at=wall_time(),
    )


def day_line(day: date, played: list[Action], posts: int, zone: ZoneInfo) -> str:
    """One day of the month as printed: its date, posts, clicks and hours in voice."""
    clicks = sum(1 for action in played if action.kind is Kind.MARK)
    seconds = sum((s.end - s.start).total_seconds() for s in stays(played))
    players = len({s.member for s in stays(played)})
    return (
        f"{day:%a %d %b}: {posts} post{'s' if posts != 1 else ''}, {clicks} clicks,"
        f" {seconds / 3600:.1f} h in voice ({players} members)"
    )


def posts_of(driver: Driver, roster: Roster, day: date) -> int:
    """How many daily messages the bot posted for ``day`` (their header names the day)."""
    heading = f"{DAILY_HEADING} {day:%A} {day.day} {day:%B}"
    return sum(
        1
        for m in driver.messages(roster.text, roster.admin)
        if m.author_id == driver.core.bot_id and m.content.startswith(heading)
    )


async def play(
    env: Mapping[str, str],
    driver: Driver,
    community: Community,
    settings: DemoSettings,
    screen: Screen,
    calendar: Calendar,
) -> None:
    """Set the guild up, play the month a line a day, play today live, draw the graphs."""
    spec, roster, clock = community.spec, community.roster, community.clock
    zone = ZoneInfo(spec.timezone)
    today = datetime.fromtimestamp(calendar.paces[-1].begins, zone).date()
    first = today - timedelta(days=settings.days)
    screen.say("waiting for the bot to log in to the emulator and register its commands")
    await _bot_ready(driver)
    await configure(driver, spec, roster, screen)
    await save_usual_hours(driver, community, screen)
    ready = clock.now().astimezone(zone)
    screen.say(f"set up at {ready:%a %d %b %H:%M} community time")
    if ready.date() >= first:
        screen.say("(the bot started late: the first days of the month have no message)")
    screen.say(
        f"{spec.members} simulated members play {settings.days} days"
        f" at {settings.month_speed:g}x speed"
    )
    for offset in range(settings.days):
        day = first + timedelta(days=offset)
        played = await community.play_day(day)
        screen.say(day_line(day, played, posts_of(driver, roster, day), zone))
    screen.say(f"today, {today:%A %d %B}, at {settings.speed:g}x speed")
    watcher = asyncio.create_task(_watch(driver, roster, screen, clock, zone))
    try:
        played = await community.play_day(today)
        screen.say(day_line(today, played, posts_of(driver, roster, today), zone))
        await _graphs(env, settings.graphs, screen, calendar)
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
    today = datetime.fromtimestamp(wall_time(), zone).date()
    spec = replace(spec, drift_from=today - timedelta(days=settings.days // 2))
    calendar = month_calendar(today, settings, spec)
    clock = CalendarClock(calendar)
    async with Emulator(EmulatorConfig(token=token), clock=clock) as emu:
        community = Community(emu.driver, spec, clock)
        community.build()
        screen.say(f"no DISCORD_TOKEN: running against the local Discord emulator at {emu.url}")
        fleet_env = {
            **env,
            "DISCORD_TOKEN": token,
            "SQUADTIME_DISCORD_API": emu.api_url,
            # The dashboard logs members in with the emulator's OAuth2 page.
            "DISCORD_CLIENT_ID": str(emu.oauth.client_id),
            "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
            CLOCK_SETTING: calendar.setting(),
        }
        if emu.voice_server is not None:
            # The emulated voice gateway speaks TLS with a certificate made at its start.
            fleet_env["SQUADTIME_VOICE_CA_FILE"] = str(emu.voice.certificate.cert_file)
        fleet_env.pop("DISCORD_TOKEN_FILE", None)
        fleet_env.pop("DISCORD_CLIENT_SECRET_FILE", None)
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
        address = Path(env["SQUADTIME_RUNTIME_DIR"]) / WEB_URL_FILE
        with contextlib.suppress(FileNotFoundError):
            address.unlink()  # a previous run's
        dashboard = asyncio.create_task(announce_dashboard(emu, address, screen))
        demo = asyncio.create_task(play(env, emu.driver, community, settings, screen, calendar))
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
        for task in (demo, stopped, exited, dashboard):
            task.cancel()
        await asyncio.wait({demo, stopped, exited, dashboard})
        status = await _stop_fleet(supervisord, screen)
        if status != 0 and result is Exit.OK:
            result = Exit.FAILED
    screen.say("stopped")
    return result


async def announce_dashboard(emu: Emulator, address: Path, screen: Screen) -> None:
    """Once the web program listens: let the emulator accept its login callback, and say
    where it is."""
    while True:
        url = await asyncio.to_thread(_written, address)
        if url:
            break
        await asyncio.sleep(0.2)  # the web program writes its address once it listens
    emu.oauth.redirect_uris.add(url + CALLBACK_PATH)
    screen.say(f"dashboard: {url}/ (log in as any member of the community on the login page)")


def _written(address: Path) -> str:
    try:
        return address.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def demo(env: Mapping[str, str], settings: DemoSettings) -> Exit:
    return asyncio.run(run_demo(env, settings, sys.stdout))

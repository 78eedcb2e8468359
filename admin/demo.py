"""The bot without Discord: the fleet against a local emulator and a simulated community.

The emulator and the community run inside this process rather than as supervised
programs: the emulator *is* Discord here, and a restarted Discord would be an empty one
(no guild, no members), so there is nothing for supervisord to usefully restart; and the
admin's own view (the daily message as members see it, the admin's slash commands) goes
through the emulator's driver, which lives in its process. The bot itself is the real
fleet under supervisord, pointed at the emulator by ``SQUADTIME_DISCORD_API``.

The whole fleet and the emulator share one scaled calendar (``SQUADTIME_CLOCK``, see
``bus.clock``), which they follow from a file in the runtime folder. It begins on the eve of
the month, after its play window, at the real pace, while the fleet starts and the admin
sets the guild up, however long the machine takes (the members with usual hours save them
with ``/schedule edit`` then too); once that is done the demo writes the rest of it: the
month of days in about two minutes (``month_speed``), a watchable pace (``speed``) from just
before today's post, and the real pace again once today's window is over. The community
plays each day of the month, one line printed per day. Before today the admin switches on
greetings, "enough players" calls and their events, and two members opt in to reminders and
nudges. Today is the community simulator's showcase evening
(``emulator.simulator.community.showcase``): whatever the date, a crew meets at one hour,
its first member alone an hour early, while a regular stays silent. It is played with the
daily message shown each time it changes and a line for each thing the bot does besides (a
reminder, a nudge, a call, an event, a greeting heard in voice: see :class:`Transcript`).
When today's window is over, telemetry takes a backup, every graph is written to a folder,
drawn from a month of play, and a summary says where the graphs and the dashboard are; the
screen is left alone from then on. It runs until Ctrl-C (or SIGTERM), which stops
supervisord (and with it every program) first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from admin.backup import backup_name, request_backup
from admin.errors import AdminError, Exit
from admin.fleet import CONFIG, tool
from admin.stats import ProgressBar
from bus.clock import SETTING as CLOCK_SETTING
from bus.clock import Calendar, FollowedCalendar, Pace, wall_time, write_calendar
from emulator import Emulator
from emulator.engine.config import EmulatorConfig
from emulator.rules.clock import CalendarClock
from emulator.rules.options import OptionValue
from emulator.rules.snowflakes import DISCORD_EPOCH_MS
from emulator.rules.state import EventStatus, Member
from emulator.simulator.community import (
    Action,
    Community,
    CommunitySpec,
    Kind,
    Pacer,
    Roster,
    showcase,
    stays,
)
from emulator.simulator.driver import Driver, Outcome, Refused
from emulator.simulator.seen import SeenMessage
from emulator.voice.hearing import Heard
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
CLOCK_FILE = "demo-clock"
"""The fleet's calendar, in the runtime folder: the real pace until the bot is set up."""
TODAY_LEAD = timedelta(minutes=15)
"""Today's pace begins this long before today's post."""
TIMESTAMP = re.compile(r"<t:(\d+):([tTdDfFR])>")
MENTION = re.compile(r"<@!?(\d+)>")
REMIND_MINUTES = 30
"""How long before their hour the showcase's member asks to be reminded: at today's pace half
an hour is three real seconds, room for the reminder to go out before its hour."""
NUDGE_HISTORY_DAYS = 14
"""Days of play before a member can be nudged: a regular is in voice on the weekday in two of
the four weeks before (``services.scheduler.engines.nudges``)."""
LOOK_EVERY = 1.0
"""Real seconds between looks at what the emulator cannot signal (the voice program's log)."""
GREETING_SAID = re.compile(r"greeting in guild (\d+), channel (\d+): (.+)$")
"""The voice program's log line for each greeting it decided to say (``services.voice.greeter``)."""
VOICE_LOG = "voice.log"
EMULATOR_LOG = "emulator.log"
EVENT_STATUS = {
    EventStatus.ACTIVE: "active",
    EventStatus.COMPLETED: "completed",
    EventStatus.CANCELED: "cancelled",
}


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
    """The terminal: on a TTY the daily message is redrawn in place, with today's transcript
    under it; otherwise everything is appended."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._shown = ""
        self._kept: list[str] = []

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def keep(self, line: str) -> None:
        """A line of today's transcript: printed now, and again under each redraw, so that a
        redraw never wipes what happened."""
        self._kept.append(line)
        self.say(line)

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
        if self.tty:
            for line in self._kept:
                self.say(line)


def local_times(content: str, zone: ZoneInfo) -> str:
    """Discord's timestamps (``<t:UNIX:t>``) as the community's clock shows them; a relative
    one (``:R``) as "at 12:00 on Mon 02 Nov"."""

    def label(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1)), zone)
        if match.group(2) == "R":
            return f"at {moment:%H:%M on %a %d %b}"
        return f"{moment:%H:%M}"

    return TIMESTAMP.sub(label, content)


def daily_message(driver: Driver, roster: Roster, day: date | None = None) -> SeenMessage | None:
    """The bot's newest daily message (of ``day``, when given), as the guild's members see it."""
    heading = DAILY_HEADING if day is None else day_heading(day)
    found = [
        m
        for m in driver.messages(roster.text, roster.admin)
        if m.author_id == driver.core.bot_id and m.content.startswith(heading)
    ]
    return found[-1] if found else None


def day_heading(day: date) -> str:
    """How the daily message of ``day`` begins."""
    return f"{DAILY_HEADING} {day:%A} {day.day} {day:%B}"


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


type Step = tuple[Member, str, dict[str, OptionValue]]
"""Who runs which slash command (``"config quorum"``), with which options."""


async def configure(driver: Driver, spec: CommunitySpec, roster: Roster, screen: Screen) -> None:
    """Set the guild up as its admin would, with /config; the channel last.

    Setting the channel posts today's message when its time has passed, and otherwise
    the scheduler posts it on time: either way once, and the answer says which.
    """
    commands: list[tuple[str, dict[str, OptionValue]]] = [
        ("config timezone", {"zone": spec.timezone}),
        ("config window", {"start": spec.window_start_hour, "hours": spec.window_hours}),
        ("config time", {"time": f"{spec.post_hour:02d}:00"}),
    ]
    commands += [
        ("config voice", {"channel": channel.id, "counted": True})
        for channel in roster.voice.values()
    ]
    commands += [
        ("config rank", {"role": role.id, "emoji": emoji})
        for role, emoji in zip(roster.ranks.values(), RANK_EMOJI, strict=False)
    ]
    commands += [("config channel", {"channel": roster.text.id})]
    zone = ZoneInfo(spec.timezone)
    for command, options in commands:
        line = await _run(driver, roster, (roster.admin, command, options), zone)
        screen.say(f"/{command}: {line}")


async def switch_on(driver: Driver, community: Community, screen: Screen) -> None:
    """Before today, what makes hours act is switched on as a community would: the admin turns
    on greetings, "enough players" calls (the size of the showcase's crew) and their events;
    the showcase's member asks for reminders, and its silent regular for nudges."""
    roster, show = community.roster, showcase(community.spec)
    steps: list[Step] = [(roster.admin, "config greetings", {"enabled": True})]
    if show is not None:
        steps += [
            (roster.admin, "config quorum", {"size": len(show.crew)}),
            (roster.admin, "config events", {"enabled": True}),
            (roster.members[show.reminded], "remind on", {"minutes": REMIND_MINUTES}),
            (roster.members[show.nudged], "nudges on", {}),
        ]
    zone = ZoneInfo(community.spec.timezone)
    names = {member.user_id: name for name, member in roster.members.items()}
    opt_in = "; two members opt in" if show is not None else ""
    screen.say(f"before today, the admin switches on what makes hours act{opt_in}")
    for step in steps:
        member, command, options = step
        who = names.get(member.user_id, "the admin")
        typed = " ".join([f"/{command}", *(f"{k}:{v}" for k, v in options.items())])
        screen.say(f"{who}: {typed} -> {await _run(driver, roster, step, zone)}")


async def _run(driver: Driver, roster: Roster, step: Step, zone: ZoneInfo) -> str:
    """Run one slash command; what its runner reads first in the answer."""
    member, command, options = step
    try:
        outcome = await driver.slash(member, roster.text, command, options)
    except Refused as refused:
        return f"refused ({refused})"
    return await _answer(driver, outcome, zone)


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


type Hearing = Callable[[int, int], Heard]
"""What the emulated voice server heard in a guild's channel: ``(guild id, channel id)``."""


@dataclass(slots=True)
class _Said:
    """A greeting the voice program said it would say, until it is heard."""

    channel_id: int
    text: str
    voiced_before: float


@dataclass(slots=True)
class Transcript:
    """What the bot does today besides the daily message, one line per thing as it happens.

    Each is read where a member would meet it: a reminder or a nudge in the member's DMs (told
    apart by the command their footer names), a call in the channel (and each edit of it), an
    event in the guild's list (and each change of its status). A greeting is what the voice
    program logged it would say (the emulator hears sound, not words), printed once the
    emulator heard it in that channel: voice decrypted by a member there. Anything from before
    the transcript began is not today's and is left out.
    """

    driver: Driver
    roster: Roster
    zone: ZoneInfo
    voice_log: Path
    hearing: Hearing | None = None
    _dms: set[int] = field(default_factory=set)
    _calls: dict[int, str] = field(default_factory=dict)
    _events: dict[int, EventStatus] = field(default_factory=dict)
    _log_read: int = 0
    _said: list[_Said] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.look()  # what is already there is not today's news
        self._said.clear()

    def look(self) -> list[str]:
        """The lines for what happened since the last look."""
        return [*self._new_dms(), *self._new_calls(), *self._new_events(), *self._heard()]

    def unheard(self) -> list[str]:
        """Greetings said but never heard (the member left first, or voice failed)."""
        return [
            f"greeting not heard in {self._channel(said.channel_id)}: {said.text!r}"
            for said in self._said
        ]

    # ----------------------------------------------------------------- DMs

    def _bot_dms(self, member: Member) -> list[SeenMessage]:
        return [m for m in self.driver.dms(member) if m.author_id == self.driver.core.bot_id]

    def _new_dms(self) -> list[str]:
        lines = []
        for name, member in self.roster.members.items():
            for message in self._bot_dms(member):
                if message.id in self._dms:
                    continue
                self._dms.add(message.id)
                kind = "DM"
                if "/remind off" in message.content:
                    kind = "reminder"
                elif "/nudges off" in message.content:
                    kind = "nudge"
                lines.append(f"{self._at(message.id)} {kind} to {name}: {self._gist(message)}")
        return lines

    # ---------------------------------------------------------------- calls

    def _calls_now(self) -> list[SeenMessage]:
        return [
            m
            for m in self.driver.messages(self.roster.text, self.roster.admin)
            if m.author_id == self.driver.core.bot_id and "/config quorum" in m.content
        ]

    def _new_calls(self) -> list[str]:
        lines = []
        for message in self._calls_now():
            before = self._calls.get(message.id)
            if before == message.content:
                continue
            self._calls[message.id] = message.content
            if before is None:
                where = f"#{self.roster.text.name}"
                lines.append(f"{self._at(message.id)} call in {where}: {self._gist(message)}")
            else:
                lines.append(f"{self._now()} call edited: {self._gist(message)}")
        return lines

    # --------------------------------------------------------------- events

    def _new_events(self) -> list[str]:
        lines = []
        for event in self.driver.scheduled_events(self.roster.guild):
            before = self._events.get(event.id)
            if before == event.status:
                continue
            self._events[event.id] = event.status
            if before is None:
                start = event.scheduled_start_time.astimezone(self.zone)
                where = self._channel(event.channel_id or 0)
                lines.append(
                    f"{self._at(event.id)} event {event.name!r} scheduled"
                    f" for {start:%H:%M} in {where}"
                )
            if event.status in EVENT_STATUS:
                lines.append(f"{self._now()} event {event.name!r} {EVENT_STATUS[event.status]}")
        return lines

    # ------------------------------------------------------------ greetings

    def _heard(self) -> list[str]:
        if self.hearing is None:
            return []
        guild = self.roster.guild.id
        for guild_id, channel_id, text in self._logged():
            if guild_id == guild:
                voiced = self.hearing(guild, channel_id).voiced_seconds
                self._said.append(_Said(channel_id, text, voiced))
        lines = []
        for said in list(self._said):
            if self.hearing(guild, said.channel_id).voiced_seconds <= said.voiced_before:
                continue
            self._said.remove(said)
            listeners = ", ".join(self._in_channel(said.channel_id)) or "nobody"
            where = self._channel(said.channel_id)
            lines.append(f"{self._now()} greeting heard by {listeners} in {where}: {said.text!r}")
        return lines

    def _logged(self) -> list[tuple[int, int, str]]:
        """The greetings the voice program logged since the last look."""
        try:
            with self.voice_log.open("rb") as log:
                if log.seek(0, os.SEEK_END) < self._log_read:
                    self._log_read = 0  # rotated
                log.seek(self._log_read)
                chunk = log.read()
        except FileNotFoundError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self._log_read += len(complete)
        found = []
        for line in complete.decode("utf-8", "replace").splitlines():
            said = GREETING_SAID.search(line)
            if said is not None:
                found.append((int(said[1]), int(said[2]), said[3]))
        return found

    def _in_channel(self, channel_id: int) -> list[str]:
        states = self.roster.guild.voice_states
        return [
            name
            for name, member in self.roster.members.items()
            if (state := states.get(member.user_id)) is not None and state.channel_id == channel_id
        ]

    # -------------------------------------------------------------- helpers

    def _gist(self, message: SeenMessage) -> str:
        """A message on one line: its footer (``-#``) left out, mentions as names, times on the
        community's clock, no bold."""
        names = {member.user_id: name for name, member in self.roster.members.items()}
        lines = [
            line.strip()
            for line in message.content.splitlines()
            if line.strip() and not line.startswith("-#")
        ]
        text = local_times(" ".join(lines), self.zone).replace("**", "")
        return MENTION.sub(lambda m: names.get(int(m[1]), m[0]), text)

    def _channel(self, channel_id: int) -> str:
        names = {channel.id: name for name, channel in self.roster.voice.items()}
        return names.get(channel_id, str(channel_id))

    def _at(self, snowflake: int) -> str:
        """When Discord made ``snowflake`` (a message, an event), on the community's clock."""
        made = datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, self.zone)
        return f"{made:%H:%M}"

    def _now(self) -> str:
        return f"{self.driver.core.clock.now().astimezone(self.zone):%H:%M}"


async def _watch(
    driver: Driver,
    roster: Roster,
    screen: Screen,
    clock: Pacer,
    today: date,
    transcript: Transcript,
) -> None:
    """Redraw today's message whenever it changes, and print the transcript as it grows,
    until cancelled."""
    zone = transcript.zone
    while True:
        current = daily_message(driver, roster, today)
        if current is not None:
            screen.show(current, clock, zone)
        for line in transcript.look():
            screen.keep(line)
        version = driver.core.changes.version

        def changed(before: int = version) -> bool:
            return driver.core.changes.version != before

        with contextlib.suppress(TimeoutError):
            await driver.wait_until(changed, timeout=LOOK_EVERY)


async def _graphs(
    env: Mapping[str, str], graphs: Path, screen: Screen, calendar: Calendar
) -> list[Path]:
    """Ask telemetry for a backup, then render every graph from it, as of calendar now; the
    folders written to."""
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
    return sorted({path.parent for path in written})


def setup_calendar(today: date, settings: DemoSettings, spec: CommunitySpec) -> Calendar:
    """The demo's calendar while the fleet starts and the admin sets it up: the real pace,
    from the end of the play window on the eve of the month, so that the channel set then
    waits for the first day's post instead of posting a message for the eve."""
    eve = today - timedelta(days=settings.days + 1)
    return Calendar([Pace(window_end(spec, eve).timestamp(), 1.0)], at=wall_time())


def month_calendar(
    setup: Calendar, today: date, settings: DemoSettings, spec: CommunitySpec
) -> Calendar:
    """The demo's calendar once the bot is set up: set-up as it went, then from this instant
    the month at the month's pace, today watchable from before its post, and the real pace
    once today's window is over, so the bot left running and its dashboard stay on the
    demo's evening instead of racing through empty days."""
    zone = ZoneInfo(spec.timezone)
    slows = datetime.combine(today, time(spec.post_hour), zone) - TODAY_LEAD
    return Calendar(
        [
            setup.paces[0],
            Pace(max(setup.now(), setup.paces[0].begins + 1), settings.month_speed),
            Pace(slows.timestamp(), settings.speed),
            Pace(window_end(spec, today).timestamp(), 1.0),
        ],
        at=setup.at,
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
    heading = day_heading(day)
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
    calendar: FollowedCalendar,
    today: date,
    hearing: Hearing | None = None,
    dashboard: Dashboard | None = None,
) -> None:
    """Set the guild up, play the month a line a day, switch on what makes hours act, play
    today live, draw the graphs and sum up."""
    spec, roster, clock = community.spec, community.roster, community.clock
    zone = ZoneInfo(spec.timezone)
    first = today - timedelta(days=settings.days)
    screen.say("waiting for the bot to log in to the emulator and register its commands")
    await _bot_ready(driver)
    await configure(driver, spec, roster, screen)
    await save_usual_hours(driver, community, screen)
    write_calendar(calendar.path, month_calendar(calendar, today, settings, spec))
    ready = clock.now().astimezone(zone)
    screen.say(f"set up at {ready:%a %d %b %H:%M} community time")
    screen.say(
        f"{spec.members} simulated members play {settings.days} days"
        f" at {settings.month_speed:g}x speed"
    )
    for offset in range(settings.days):
        day = first + timedelta(days=offset)
        played = await community.play_day(day)
        screen.say(day_line(day, played, posts_of(driver, roster, day), zone))
    await switch_on(driver, community, screen)
    if settings.days < NUDGE_HISTORY_DAYS:
        screen.say(
            f"(nobody is a regular after {settings.days} days: no nudge today;"
            f" --days {NUDGE_HISTORY_DAYS} or more plays one)"
        )
    screen.say(f"today, {today:%A %d %B}, at {settings.speed:g}x speed")
    transcript = Transcript(
        driver, roster, zone, Path(env["SQUADTIME_LOG_DIR"]) / VOICE_LOG, hearing
    )
    watcher = asyncio.create_task(_watch(driver, roster, screen, clock, today, transcript))
    try:
        played = await community.play_day(today)
        await clock.sleep_until(window_end(spec, today))
    finally:
        watcher.cancel()
        await asyncio.wait({watcher})
    # From here on the screen is only appended to: the next days' messages are not drawn.
    for line in [*transcript.look(), *transcript.unheard()]:
        screen.keep(line)
    screen.say(day_line(today, played, posts_of(driver, roster, today), zone))
    ended = clock.now().astimezone(zone)
    screen.say(f"today's window is over at {ended:%H:%M}: a backup, then the month's graphs")
    folders = await _graphs(env, settings.graphs, screen, calendar)
    summary(screen, env, folders, dashboard or Dashboard())
    await asyncio.Future()  # until cancelled by Ctrl-C


def window_end(spec: CommunitySpec, day: date) -> datetime:
    """When the last hour of ``day``'s play window ends, on the community's clock."""
    start = datetime.combine(day, time(spec.window_start_hour), ZoneInfo(spec.timezone))
    return start + timedelta(hours=spec.window_hours)


def summary(
    screen: Screen, env: Mapping[str, str], folders: list[Path], dashboard: Dashboard
) -> None:
    """What a newcomer looks for once today is over: the graphs, the dashboard, the logs."""
    screen.say("=== today is over ===")
    for folder in folders:
        screen.say(f"graphs: {folder}")
    if dashboard.url:
        screen.say(dashboard.line)
    else:
        screen.say("dashboard: not listening yet (squadtime-admin logs web)")
    screen.say(f"logs: {env['SQUADTIME_LOG_DIR']}")
    screen.say(
        "the bot keeps running at the real pace from here (the screen stays as it is);"
        " Ctrl-C stops it"
    )


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


def _fleet_env(
    env: Mapping[str, str], emu: Emulator, token: str, calendar: Calendar
) -> dict[str, str]:
    """The fleet's environment: the emulator's token, API, OAuth2 client and voice CA, and
    the demo's calendar, with no token or secret file that would point it at Discord."""
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
    return fleet_env


async def _start_fleet(fleet_env: dict[str, str]) -> asyncio.subprocess.Process:
    """supervisord with the fleet, in a session of its own: Ctrl-C reaches the demo alone,
    which stops supervisord in order."""
    return await asyncio.create_subprocess_exec(
        str(tool("supervisord")),
        "-c",
        str(CONFIG),
        env=fleet_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us; we stop supervisord in order
    )


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
    spec = replace(spec, drift_from=today - timedelta(days=settings.days // 2), showcase=today)
    clock_file = Path(env["SQUADTIME_RUNTIME_DIR"]) / CLOCK_FILE
    write_calendar(clock_file, setup_calendar(today, settings, spec))
    calendar = FollowedCalendar(clock_file)
    clock = CalendarClock(calendar)
    async with Emulator(EmulatorConfig(token=token), clock=clock) as emu:
        community = Community(emu.driver, spec, clock)
        community.build()
        screen.say(f"no DISCORD_TOKEN: running against the local Discord emulator at {emu.url}")
        supervisord = await _start_fleet(_fleet_env(env, emu, token, calendar))
        screen.say(f"fleet started under supervisord; logs in {env['SQUADTIME_LOG_DIR']}")
        address = Path(env["SQUADTIME_RUNTIME_DIR"]) / WEB_URL_FILE
        with contextlib.suppress(FileNotFoundError):
            address.unlink()  # a previous run's
        dashboard = Dashboard()
        announcing = asyncio.create_task(announce_dashboard(emu, address, screen, dashboard))
        hearing = emu.voice.heard if emu.voice_server is not None else None
        demo = asyncio.create_task(
            play(env, emu.driver, community, settings, screen, calendar, today, hearing, dashboard)
        )
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
        for task in (demo, stopped, exited, announcing):
            task.cancel()
        await asyncio.wait({demo, stopped, exited, announcing})
        status = await _stop_fleet(supervisord, screen)
        if status != 0 and result is Exit.OK:
            result = Exit.FAILED
    screen.say("stopped")
    return result


@dataclass(slots=True)
class Dashboard:
    """Where the dashboard listens, once the web program said so (its address file can be
    gone by the end: a second demo sharing the runtime folder removes it at its start)."""

    url: str = ""

    @property
    def line(self) -> str:
        return f"dashboard: {self.url}/ (log in as any member of the community on the login page)"


async def announce_dashboard(
    emu: Emulator, address: Path, screen: Screen, dashboard: Dashboard
) -> None:
    """Once the web program listens: let the emulator accept its login callback, and say
    where it is."""
    while True:
        url = await asyncio.to_thread(_written, address)
        if url:
            break
        await asyncio.sleep(0.2)  # the web program writes its address once it listens
    emu.oauth.redirect_uris.add(url + CALLBACK_PATH)
    dashboard.url = url
    screen.say(dashboard.line)


def _written(address: Path) -> str:
    try:
        return address.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def demo(env: Mapping[str, str], settings: DemoSettings) -> Exit:
    # What the demo says is on stdout. Its stderr carries only libraries' chatter: the
    # emulator's simulated voice listeners decrypt with libdave, whose binding prints "Failed
    # to finalize decryption" to sys.stderr for each frame a listener cannot open, as happens
    # around a DAVE transition (members joining a call while the bot speaks) in any call, and
    # would scroll the screen. It goes to a log beside the fleet's; a crash's traceback, printed
    # once this returns, still reaches the terminal.
    log = Path(env["SQUADTIME_LOG_DIR"]) / EMULATOR_LOG
    with _private_log(log) as chatter, contextlib.redirect_stderr(chatter):
        return asyncio.run(run_demo(env, settings, sys.stdout))


def _private_log(path: Path) -> TextIO:
    """``path`` opened for appending, readable by the bot's user only (created 0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return open(descriptor, "a", buffering=1, encoding="utf-8", errors="backslashreplace")

"""The scheduler process: the daily message, marks, schedules, admin setup and timezones.

It keeps a roster of each guild from the gateway's events, ticks the daily messages
(posting, reconciling, voice hours) and answers the interactions the gateway relays for
its slash commands and components. Everything it must remember is in telemetry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Sequence

from bus.client import BusClient
from bus.clock import AlarmClock, Calendar
from bus.errors import BusError, ErrorCode, RemoteError, RequestRefused, log_level
from bus.protocol import (
    MAX_MARKS_PER_BATCH,
    Body,
    EmojisUpdated,
    Envelope,
    EventInterest,
    ForgetMember,
    GuildSnapshot,
    Heartbeat,
    Interaction,
    InteractionAnswer,
    MemberLeft,
    MemberUpdated,
    NudgesReply,
    PrivacyReply,
    ReactionAdded,
    ReactionRemoved,
    RemindersReply,
    Reply,
    Request,
    SchedulerRequest,
    SetNudge,
    SetReminder,
    SetTelemetryOptOut,
    VoiceChanged,
)
from services.runtime.commands import offer_commands
from services.runtime.guilds import fetch_guilds
from services.runtime.service import Runtime
from services.scheduler.answers import Context
from services.scheduler.commands import COMMANDS
from services.scheduler.daily import Days, GuildDay
from services.scheduler.dashboard import answer as answer_dashboard
from services.scheduler.due import DueGuilds
from services.scheduler.engines.calls import Calls
from services.scheduler.engines.interest import on_interest
from services.scheduler.engines.nudges import Nudges
from services.scheduler.engines.reminders import Reminders
from services.scheduler.engines.squad_status import SquadStatus
from services.scheduler.engines.weekpost import WeekPosts
from services.scheduler.interactions import answer
from services.scheduler.lanes import LANES, in_lanes
from services.scheduler.pulse import Pulse
from services.scheduler.roster import Roster

log = logging.getLogger(__name__)

RETRY = 5.0  # real seconds before trying again what a service or Discord refused
FORGET_TIMEOUT = 30.0  # deleting a member's years of history is one long transaction


class Scheduler:
    """squadtime's scheduler: the daily message, marks, schedules and configuration."""

    name = "scheduler"
    description = "squadtime's scheduler: the daily message, marks, schedules and configuration."

    def __init__(
        self,
        clock: AlarmClock | None = None,
        *,
        mark_batch: int = MAX_MARKS_PER_BATCH,
        lanes: int = LANES,
        retry: float = RETRY,
    ) -> None:
        self.exit_code = 0
        self._given_clock = clock  # calendar time; the fleet's (from the settings) unless given
        self._mark_batch = mark_batch  # marks per round trip to telemetry (1: one at a time)
        self._lanes = lanes  # guilds at work at once (1: one guild after another)
        self._retry = retry  # real seconds between tries (a test waiting for one may shorten it)
        self.clock: AlarmClock = clock or Calendar()
        self.roster = Roster()
        self.days: Days | None = None
        self.reminders: Reminders | None = None
        self.calls: Calls | None = None
        self.nudges: Nudges | None = None
        self.week_posts: WeekPosts | None = None
        self.squads: SquadStatus | None = None
        self.due = DueGuilds()  # the guilds reminders, calls and nudges must look at, and when
        self._context: Context | None = None
        self._pulse = Pulse(interval=5.0)
        self._unloaded: set[int] = set()  # guilds seen whose state telemetry has not given yet
        self._bus: BusClient | None = None

    async def setup(self, runtime: Runtime) -> None:
        """Subscribe to the gateway's facts."""
        self.clock = self._given_clock or runtime.settings.calendar
        self.days = Days(
            runtime.bus,
            self.roster,
            runtime.tasks,
            self.clock,
            mark_batch=self._mark_batch,
            lanes=self._lanes,
        )
        self.reminders = Reminders(self.days, self.clock)
        self.calls = Calls(self.days, self.clock, self.reminders)
        self.nudges = Nudges(self.days, self.clock)
        self.week_posts = WeekPosts(self.days, self.roster, self.clock)
        self.squads = SquadStatus(self.days, self.roster, self.clock)
        self.days.on_change = self.due.touch
        self._context = Context(self.days, self.roster, self.clock, self.reminders, self.nudges)
        self._pulse = Pulse(interval=runtime.settings.heartbeat_interval)
        self._bus = runtime.bus
        runtime.bus.subscribe("gateway.")
        runtime.bus.on_events(self._events)

    async def run(self, runtime: Runtime) -> None:
        """Offer the commands, learn the guilds, then keep every daily message on time."""
        days = self.days
        assert days is not None
        runtime.tasks.spawn(offer_commands(runtime.bus, self.name, COMMANDS), name="commands")
        await self._learn_guilds(runtime)
        runtime.tasks.spawn(self._act(runtime), name="reminders, calls and nudges")
        while not runtime.stopping.is_set():
            days.changed.clear()
            await self._load_guilds()
            try:
                wake, retry = await days.tick()
            except Exception:
                log.exception("the daily tick failed; trying again in %.1f s", self._retry)
                wake, retry = math.inf, True
            # A retry is a timer (real seconds); the next post or hour is calendar time.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._retry if retry or self._unloaded else None):
                    await self.clock.sleep_until(wake, days.changed)

    async def _act(self, runtime: Runtime) -> None:
        """Send each reminder and nudge when it is due and keep each call, week-ahead post and
        voice status in step, until the service stops. Only the guilds that changed or fell
        due are looked at (``due.py``), each in its own lane."""
        due, days = self.due, self.days
        assert days is not None
        while not runtime.stopping.is_set():
            due.changed.clear()
            guilds = [days.guilds[g] for g in due.take(self.clock.now()) if g in days.guilds]
            looks = await in_lanes(guilds, self._look, self._lanes)
            retrying = []
            for guild, (wake, retry) in zip(guilds, looks, strict=True):
                due.due_at(guild.guild_id, wake)
                if retry:
                    retrying.append(guild.guild_id)
            # A retry is a timer (real seconds); the next due time is calendar time.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._retry if retrying else None):
                    await self.clock.sleep_until(due.next_due(), due.changed)
            due.touch_all(retrying)

    async def _look(self, guild: GuildDay) -> tuple[float, bool]:
        """Reminders, calls, nudges, the week-ahead post and the voice status of one guild:
        when to look at it again (calendar time), and whether to retry soon."""
        assert self.reminders is not None
        assert self.calls is not None
        assert self.nudges is not None
        assert self.week_posts is not None
        assert self.squads is not None
        try:
            looks = [
                await self.reminders.tick(guild),
                await self.calls.tick(guild),
                await self.nudges.tick(guild),
                await self.week_posts.tick(guild),
                await self.squads.tick(guild),
            ]
        except Exception:
            log.exception(
                "guild %d: reminders and calls failed; trying again in %.1f s",
                guild.guild_id,
                self._retry,
            )
            return math.inf, True
        return min(at for at, _ in looks), any(retry for _, retry in looks)

    async def _learn_guilds(self, runtime: Runtime) -> None:
        """The gateway's guilds, for a scheduler that started after its snapshots."""
        delay = 0.5
        while not runtime.stopping.is_set():
            try:
                found = await fetch_guilds(runtime.bus, timeout=5.0)
            except BusError as error:
                log.log(
                    log_level(error, logging.INFO),
                    "%s; asking for the guilds again in %.1f s",
                    error,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            for snapshot in found:
                await self._snapshot(snapshot)
            return

    async def _snapshot(self, snapshot: GuildSnapshot) -> None:
        self.roster.apply(snapshot)
        self._unloaded.add(snapshot.guild_id)
        await self._load_guilds()

    async def _load_guilds(self) -> None:
        """Load the guilds telemetry could not tell about yet (it may be starting, or slow)."""
        assert self.days is not None
        for guild_id in sorted(self._unloaded):
            try:
                await self.days.load(guild_id)
            except BusError as error:
                log.log(log_level(error), "guild %d not loaded yet: %s", guild_id, error)
                continue
            self._unloaded.discard(guild_id)
            self.days.reconnected(guild_id)

    async def _events(self, batch: Sequence[Envelope]) -> None:
        """Handle a batch of the gateway's events in order; the clicks in a row among them
        are recorded together (``Days.on_reactions``)."""
        days = self.days
        assert days is not None
        clicks: list[ReactionAdded | ReactionRemoved] = []
        for envelope in batch:
            event = envelope.body
            if isinstance(event, ReactionAdded | ReactionRemoved):
                self.roster.apply(event)
                clicks.append(event)
                continue
            if clicks:
                await days.on_reactions(clicks)
                clicks = []
            try:
                await self._event(days, event)
            except BusError as error:
                log.log(log_level(error), "%s not handled: %s", type(event).__name__, error)
        if clicks:
            await days.on_reactions(clicks)

    async def _event(self, days: Days, event: Body) -> None:
        match event:
            case GuildSnapshot():
                await self._snapshot(event)
            case VoiceChanged():
                self.roster.apply(event)
                await days.on_voice(event)
                days.on_change(event.guild_id)  # who is in voice: the channel's status follows
            case EventInterest():
                assert self.calls is not None
                await on_interest(days, self.calls, self.roster, event)
            case MemberUpdated() | MemberLeft() | EmojisUpdated():
                self.roster.apply(event)
            case Heartbeat(service="gateway", started=started):
                connections = self._bus.subscriber_connections if self._bus else 0
                if self._pulse.beat(time.monotonic(), started, connections):
                    log.info("gateway events may have been missed; reconciling")
                    for guild_id in list(days.guilds):
                        days.reconnected(guild_id)
            case _:
                pass

    async def _member_choice(
        self, request: SetReminder | SetNudge | ForgetMember | SetTelemetryOptOut
    ) -> Reply:
        """A member's choice made elsewhere (the dashboard), stored through the scheduler so
        that what it keeps in memory follows: reminders, nudges, forgetting a member and
        their opting out of telemetry."""
        assert self.days is not None
        assert self.reminders is not None
        assert self.nudges is not None
        match request:
            case SetReminder(guild_id=guild_id, user_id=user_id, choice=choice):
                await self.reminders.choose(guild_id, user_id, choice)
                return RemindersReply(guild_id=guild_id, choices=[choice] if choice else [])
            case SetNudge(guild_id=guild_id, choice=choice):
                if choice.user_id != request.user_id:
                    raise RequestRefused(
                        ErrorCode.BAD_REQUEST, "a nudge choice is the member's own"
                    )
                await self.nudges.choose(guild_id, choice)
                return NudgesReply(guild_id=guild_id, choices=[choice])
            case ForgetMember(user_id=user_id):
                forgotten = await self.days.ask(
                    "telemetry", request, PrivacyReply, timeout=FORGET_TIMEOUT
                )
                self.reminders.forget(user_id)
                self.nudges.forget(user_id)
                await self.days.forget(user_id)
                return forgotten
            case SetTelemetryOptOut(user_id=user_id, opted_out=opted_out):
                chosen = await self.days.ask("telemetry", request, PrivacyReply)
                if opted_out:  # nudges are made of the voice record: not theirs any more
                    self.nudges.forget(user_id, choices=False)
                return chosen

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply:
        """Answer the interactions the gateway relays, and the dashboard's requests and
        members' choices."""
        if self._context is None or self.days is None:
            raise RequestRefused(ErrorCode.UNAVAILABLE, "the scheduler is starting; try again")
        if isinstance(request, SchedulerRequest):
            return answer_dashboard(self.days, self.roster, request)
        if isinstance(request, SetReminder | SetNudge | ForgetMember | SetTelemetryOptOut):
            try:
                return await self._member_choice(request)
            except RemoteError as error:
                raise RequestRefused(error.code, error.message) from None
        if not isinstance(request, Interaction):
            raise RequestRefused(
                ErrorCode.UNKNOWN_REQUEST, "the scheduler serves interactions and the dashboard"
            )
        return InteractionAnswer(response=await answer(self._context, request))

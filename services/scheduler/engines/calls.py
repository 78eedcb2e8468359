""" "Enough players" calls: one message when an hour of today first has the quorum.

With ``/config quorum size`` set, the first time an hour of the current daily message
counts ``size`` members (clicks, usual hours and voice: the count the message shows) before
it starts, the bot posts one message in the calls channel (the daily one by default) that
mentions exactly those members and pings only them. An hour one short of ``size`` where
members said "maybe" gets its call too, saying so and naming those maybes ("1 short —
maybe: ..."); it pings only the maybes who turned reminders on (``/remind``), since they
asked to be told about their hours, and the members already in are not pinged to be told
that someone is missing. Maybes never count towards ``size``. If the hour falls below
``size`` (and is not one short with maybes) before it starts, the same message is edited to
say it fell through (an edit pings nobody); if it recovers, it is edited back; members who
join later are added to it. Once the hour has started the message is left as it is. At
most one call per hour and day, whatever crashes: it is a delivery (see
``services.scheduler.once``) of kind ``call``.

The scheduled event (a voice event in the first counted voice channel, its name and
description saying who is in) is created with the call, kept in step as members join,
cancelled if the hour falls through before it starts (Discord keeps a cancelled event
cancelled: the hour gets no second one), made active when the hour starts and completed
when it ends. One per hour and day: a delivery of kind ``event``, found again after a
crash by the reference at the end of its description.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from bus.clock import Clock
from bus.errors import UNKNOWN_MESSAGE, BusError, RemoteError, discord_error, log_level
from bus.protocol import (
    CreateScheduledEvent,
    DeliveriesReply,
    EditMessage,
    EditScheduledEvent,
    EventInterestedReply,
    FetchEventInterested,
    FetchScheduledEvents,
    GetDeliveries,
    MessageSent,
    ScheduledEventFacts,
    ScheduledEventReply,
    ScheduledEventsReply,
)
from services.scheduler import once
from services.scheduler.board import HourLine
from services.scheduler.daily import Days, GuildDay
from services.scheduler.engines.reminders import Reminders
from services.scheduler.names import inert, plain
from services.scheduler.slots import Slot

log = logging.getLogger(__name__)

IDLE = 300.0  # calendar seconds between looks when nothing is about to start
KEPT = 86_400.0  # calendar seconds a started hour's call and finished event are remembered
MAKING_WAIT = 10.0
"""Real seconds an "Interested" on an unknown event waits for the event being made to be
known (its own requests are bounded too: this only keeps the events' queue from a stall)."""
KIND: Final = "call"
EVENT: Final = "event"
# Discord's Guild Scheduled Event Status.
SCHEDULED, ACTIVE, COMPLETED, CANCELLED = 1, 2, 3, 4
MAX_NAME = 100  # Discord: an event's name is 1-100 characters
MAX_DESCRIPTION = 1000  # ... and its description at most 1,000
# Unknown Guild Scheduled Event; a finished event refuses every change (JSON Error Codes).
GONE = {discord_error(10070), discord_error(180000)}


@dataclass(slots=True)
class _Event:
    """A scheduled event made for one hour, as Discord has it."""

    guild_id: int
    event_id: int
    start: float
    status: int = SCHEDULED
    shown: tuple[str, str] = ("", "")  # name and description


@dataclass(slots=True)
class _Call:
    """A call posted for one hour, and the text Discord shows now ("" when not known)."""

    channel_id: int
    message_id: int
    shown: str = ""


def one_short(players: Sequence[int], maybes: Sequence[int], size: int) -> bool:
    """Whether an hour is one player short of ``size`` with someone who said maybe."""
    return len(players) == size - 1 and bool(maybes)


def call_text(
    slot: Slot, players: Sequence[int], size: int, ref: str, maybes: Sequence[int] = ()
) -> str:
    """The call for ``slot``: reached with ``players``, one short with ``maybes`` to ask, or
    fallen through below ``size``."""
    start = int(slot.start)
    who = ", ".join(f"<@{user}>" for user in players)
    if len(players) >= size:
        head = f"🎮 **Enough players for <t:{start}:t>** (<t:{start}:R>): {who}"
    elif one_short(players, maybes, size):
        unsure = ", ".join(f"<@{user}>" for user in maybes)
        now = f": {who}" if players else ""
        head = (
            f"🎮 **Almost enough players for <t:{start}:t>** (<t:{start}:R>)"
            f" · {len(players)} of {size}{now}\n1 short — maybe: {unsure}"
        )
    else:
        now = f": {who}" if players else ""
        head = (
            f"~~🎮 Enough players for <t:{start}:t>~~ It fell through:"
            f" {len(players)} of {size} now{now}."
        )
    return f"{head}\n-# /config quorum · ref {ref}"


def event_text(players: Sequence[str], ref: str) -> tuple[str, str]:
    """An hour's event name and description, saying who is in (display names as typed).

    Discord shows an event's name as plain text and renders its description as markdown,
    so each gets the names made inert for it (``names.plain``, ``names.inert``); the
    description keeps its last line, the reference, whatever the number of names.
    """
    name = f"🎮 {len(players)} players: {', '.join(plain(p) for p in players)}"
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1] + "…"
    shown = [inert(p) for p in players]
    tail = f"\n\nref {ref}"
    who = f"In: {', '.join(shown)}."
    while len(who) + len(tail) > MAX_DESCRIPTION and shown:
        shown.pop()
        who = f"In: {', '.join(shown)} and {len(players) - len(shown)} more."
    return name, who + tail


class Calls:
    """Every guild's calls and events; see the module docstring."""

    def __init__(self, days: Days, clock: Clock, reminders: Reminders | None = None) -> None:
        self._days = days
        self._clock = clock
        self._reminders = reminders  # who turned reminders on: the maybes a call may ping
        self._calls: dict[tuple[int, date, int], _Call] = {}
        self._events: dict[tuple[int, date, int], _Event] = {}
        self._known: dict[int, date] = {}  # guild -> the day whose calls were read
        # Clear while an event is being made: Discord may tell of a member's "Interested" on
        # it before the bot has its id back and stored (see ``hour_of_event``).
        self._made = asyncio.Event()
        self._made.set()

    @property
    def remembered(self) -> int:
        """How many calls and events are kept in memory: about a day's, not a year's."""
        return len(self._calls) + len(self._events)

    async def hour_of_event(self, guild_id: int, event_id: int) -> tuple[date, int] | None:
        """The community day and hour the bot made event ``event_id`` for; None for any
        other event (a moderator's own). After a start the day's events are read first."""
        guild = self._days.guilds.get(guild_id)
        if guild is not None and guild.day is not None and guild.config.quorum_size:
            await self._read(guild, guild.day)
        found = self._known_event(guild_id, event_id)
        if found is None and not self._made.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(MAKING_WAIT):
                    await self._made.wait()
            found = self._known_event(guild_id, event_id)
        return found

    def _known_event(self, guild_id: int, event_id: int) -> tuple[date, int] | None:
        for (known_guild, day, hour), event in self._events.items():
            if known_guild == guild_id and event.event_id == event_id:
                return day, hour
        return None

    async def tick(self, guild: GuildDay) -> tuple[float, bool]:
        """Post, edit or leave one guild's calls and move its events on; the calendar instant
        to look at it again, and whether a service failed (try again soon)."""
        now = self._clock.now()
        wake = now + IDLE
        retry = False
        size = guild.config.quorum_size
        if size and guild.day is not None and guild.message_id:
            try:
                wake = min(wake, await self._keep_hours(guild, guild.day, size, now))
            except BusError as error:
                log.log(log_level(error), "guild %d: calls wait: %s", guild.guild_id, error)
                retry = True
        for event in [e for e in self._events.values() if e.guild_id == guild.guild_id]:
            try:
                wake = min(wake, await self._advance(event, now))
            except BusError as error:
                log.log(log_level(error), "guild %d: the event waits: %s", event.guild_id, error)
                retry = True
        self._forget_before(guild, now - KEPT)
        return wake, retry

    async def _keep_hours(self, guild: GuildDay, day: date, size: int, now: float) -> float:
        """Keep each call and event of the hours not started in step; the first such hour."""
        wake = math.inf
        await self._read(guild, day)
        await self._find_interest(guild, day)
        for line in self._days.lines(guild):
            if line.slot.start <= now:
                continue  # the hour has started: its call stays as it is
            wake = min(wake, line.slot.start)
            players = [user for user, _ in line.players]
            await self._keep(guild, day, line, size)
            if guild.config.events:
                await self._keep_event(guild, day, line.slot, players, size)
        return wake

    def _forget_before(self, guild: GuildDay, moment: float) -> None:
        """Drop what the guild is done with: calls of hours that started before ``moment``,
        and finished events of such hours (the record stays in telemetry)."""
        mine = guild.guild_id
        starts = (
            {(mine, guild.day, slot.hour): slot.start for slot in guild.slots()}
            if guild.day is not None
            else {}
        )
        self._calls = {
            key: call
            for key, call in self._calls.items()
            if key[0] != mine or starts.get(key, 0.0) >= moment
        }
        self._events = {
            key: event
            for key, event in self._events.items()
            if key[0] != mine or event.start >= moment or event.status in (SCHEDULED, ACTIVE)
        }

    async def _advance(self, event: _Event, now: float) -> float:
        """Active when its hour starts, completed when it ends; when to look again."""
        end = event.start + 3600.0
        if event.status == SCHEDULED and now >= event.start:
            await self._edit_event(event, status=ACTIVE)
        if event.status == ACTIVE and now >= end:
            await self._edit_event(event, status=COMPLETED)
        if event.status == SCHEDULED:
            return event.start
        return end if event.status == ACTIVE else math.inf

    async def _edit_event(
        self, event: _Event, *, name: str = "", description: str = "", status: int = 0
    ) -> None:
        request = EditScheduledEvent(
            guild_id=event.guild_id,
            event_id=event.event_id,
            name=name,
            description=description,
            status=status,
        )
        try:
            changed = await self._days.ask("gateway", request, ScheduledEventReply)
        except RemoteError as error:
            if error.code not in GONE:
                raise
            log.info("guild %d: event %d is gone or final", event.guild_id, event.event_id)
            event.status = COMPLETED
            return
        event.status = changed.event.status
        if name:
            event.shown = (name, description)

    async def _keep_event(
        self, guild: GuildDay, day: date, slot: Slot, players: list[int], size: int
    ) -> None:
        key = (guild.guild_id, day, slot.hour)
        ref = once.reference(guild.guild_id, day, slot.hour, 0, EVENT)
        names = [self._days.member_name(guild.guild_id, user) for user in players]
        name, description = event_text(names, ref)
        event = self._events.get(key)
        if event is None:
            voice = guild.config.voice_channel_ids
            if len(players) < size or not voice:
                return
            self._made.clear()
            try:
                event = await self._create_event(guild, day, slot, voice[0], name, description, ref)
                if event is None:
                    return
                self._events[key] = event
            finally:
                self._made.set()
        if event.status != SCHEDULED:
            return
        if len(players) < size:
            await self._edit_event(event, status=CANCELLED)
            log.info("guild %d: the %02d:00 event fell through", guild.guild_id, slot.hour)
        elif event.shown != (name, description):
            await self._edit_event(event, name=name, description=description)

    async def _create_event(
        self,
        guild: GuildDay,
        day: date,
        slot: Slot,
        channel_id: int,
        name: str,
        description: str,
        ref: str,
    ) -> _Event | None:
        """Create the hour's event once; the event, or None when it cannot be had."""
        claim, claimed = await once.claim(self._days, guild.guild_id, day, slot.hour, 0, EVENT)
        stored = claimed.delivery
        if stored.state == "dropped":
            return None
        if stored.state == "sent" or not claimed.fresh:
            found = await self._find_event(guild.guild_id, ref, stored.message_id)
            if found is not None:
                if stored.state != "sent":
                    await once.finish(
                        self._days, self._clock, claim, "sent", channel_id, found.event_id
                    )
                return _Event(guild.guild_id, found.event_id, slot.start, found.status)
            if stored.state == "sent":
                # Made once, deleted since (by a moderator): never made again, and
                # remembered as final so that the next change does not ask Discord again.
                return _Event(guild.guild_id, stored.message_id, slot.start, COMPLETED)
        create = CreateScheduledEvent(
            guild_id=guild.guild_id,
            channel_id=channel_id,
            name=name,
            description=description,
            start=slot.start,
            end=slot.start + 3600.0,
        )
        made = await self._days.ask("gateway", create, ScheduledEventReply)
        await once.finish(self._days, self._clock, claim, "sent", channel_id, made.event.event_id)
        log.info("guild %d: an event for %02d:00", guild.guild_id, slot.hour)
        return _Event(
            guild.guild_id, made.event.event_id, slot.start, made.event.status, (name, description)
        )

    async def _find_event(
        self, guild_id: int, ref: str, event_id: int
    ) -> ScheduledEventFacts | None:
        """The guild's event with this id or reference, if Discord still has it."""
        found = await self._days.ask(
            "gateway", FetchScheduledEvents(guild_id=guild_id), ScheduledEventsReply
        )
        for event in found.events:
            if event.event_id == event_id or event.description.endswith(f"ref {ref}"):
                return event
        return None

    async def _read(self, guild: GuildDay, day: date) -> None:
        """The calls already made today (read once per day, and after a start)."""
        if self._known.get(guild.guild_id) == day:
            return
        request = GetDeliveries(guild_id=guild.guild_id, date=day.isoformat())
        found = await self._days.ask("telemetry", request, DeliveriesReply)
        for delivery in found.deliveries:
            if delivery.kind == KIND and delivery.state == "sent":
                key = (guild.guild_id, day, delivery.hour)
                self._calls.setdefault(key, _Call(delivery.channel_id, delivery.message_id))
        events = [d for d in found.deliveries if d.kind == EVENT and d.state == "sent"]
        if events:
            listed = await self._days.ask(
                "gateway", FetchScheduledEvents(guild_id=guild.guild_id), ScheduledEventsReply
            )
            status = {event.event_id: event for event in listed.events}
            starts = {slot.hour: slot.start for slot in guild.slots()}
            for delivery in events:
                facts = status.get(delivery.message_id)
                key = (guild.guild_id, day, delivery.hour)
                if facts is None or delivery.hour not in starts or key in self._events:
                    continue
                self._events[key] = _Event(
                    guild.guild_id,
                    facts.event_id,
                    starts[delivery.hour],
                    facts.status,
                    (facts.name, facts.description),
                )
        self._known[guild.guild_id] = day

    async def _find_interest(self, guild: GuildDay, day: date) -> None:
        """Read who is interested in each of today's hour events from Discord, when clicks
        may have been missed (``GuildDay.interest_stale``): a click comes as a gateway event
        that a killed scheduler, gateway or telemetry never handled, and only Discord's list
        still holds it. Telemetry stores a mark once however often it is recorded."""
        if not guild.interest_stale:
            return
        # Cleared first: a reason to read again that comes up meanwhile brings another round.
        guild.interest_stale = False
        guild.interest_seen = set()
        try:
            for (guild_id, known_day, hour), event in list(self._events.items()):
                if guild_id != guild.guild_id or known_day != day:
                    continue
                if event.status not in (SCHEDULED, ACTIVE):
                    continue  # Discord's list of a finished event is kept as it ended
                request = FetchEventInterested(guild_id=guild_id, event_id=event.event_id)
                found = await self._days.ask("gateway", request, EventInterestedReply)
                await self._days.match_interest(guild, hour, set(found.user_ids))
        except BaseException:
            guild.interest_stale = True
            raise
        finally:
            guild.interest_seen = None

    async def _keep(self, guild: GuildDay, day: date, line: HourLine, size: int) -> None:
        slot, maybes = line.slot, line.maybes
        players = [user for user, _ in line.players]
        key = (guild.guild_id, day, slot.hour)
        ref = once.reference(guild.guild_id, day, slot.hour, 0, KIND)
        text = call_text(slot, players, size, ref, maybes)
        call = self._calls.get(key)
        if call is None:
            if len(players) < size and not one_short(players, maybes, size):
                return
            notify = players if len(players) >= size else await self._reminded(guild, maybes)
            call = await self._post(guild, day, slot, notify, text, ref)
            if call is None:
                return
            self._calls[key] = call
        if call.shown == text:
            return
        edit = EditMessage(channel_id=call.channel_id, message_id=call.message_id, content=text)
        try:
            await self._days.ask("gateway", edit, MessageSent)
        except RemoteError as error:
            if error.code != UNKNOWN_MESSAGE:
                raise
            log.info("guild %d: the %02d:00 call was deleted; left so", guild.guild_id, slot.hour)
        call.shown = text

    async def _reminded(self, guild: GuildDay, users: Sequence[int]) -> list[int]:
        """Those of ``users`` who turned reminders on in the guild."""
        if self._reminders is None:
            return []
        return [u for u in users if await self._reminders.choice(guild.guild_id, u) is not None]

    async def _post(
        self, guild: GuildDay, day: date, slot: Slot, notify: list[int], text: str, ref: str
    ) -> _Call | None:
        """Post the hour's call once, pinging ``notify``; the call, or None when it was
        dropped."""
        claim, claimed = await once.claim(self._days, guild.guild_id, day, slot.hour, 0, KIND)
        stored = claimed.delivery
        if stored.state == "sent":
            return _Call(stored.channel_id, stored.message_id)
        if stored.state == "dropped":
            return None
        channel = guild.config.quorum_channel_id or guild.channel_id
        sent = await once.post_once(
            self._days, channel, ref, text, fresh=claimed.fresh, notify=notify
        )
        if sent is None:  # pragma: no cover - only a DM answers 50007
            raise BusError(f"channel {channel} refused the call")
        await once.finish(self._days, self._clock, claim, "sent", channel, sent)
        log.info("guild %d: %02d:00 called, pinging %d", guild.guild_id, slot.hour, len(notify))
        return _Call(channel, sent, text)

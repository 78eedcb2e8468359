"""Reminders: a message N minutes before each run of hours a member is in today, exactly once.

A member who turned reminders on (``/remind on``) gets one for the first hour of each run
of consecutive hours they are in on the current daily message — by a click or as a usual
hour, not taken back — when the reminder is due. An hour taken back before then gets none;
a run that starts later because its first hour was taken back gets one for its new first
hour. By DM, or as a mention in the daily channel when the member chose ``channel`` or
Discord refuses the DM (50007: the member does not accept DMs from the bot; remembered in
telemetry so that it is not tried again).

Exactly once, whatever dies: each reminder is claimed in telemetry (key: guild, day, hour,
member, kind) before Discord is asked and finished after. A claim that finds an earlier,
unfinished one means a send may have happened: the target channel's newest messages are
searched for the reminder's reference (its last line) before sending again. A reminder
that could not go out before its hour started is finished as ``dropped`` (counted, never
sent late).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from bus.clock import Clock
from bus.errors import CANNOT_MESSAGE_USER, BusError, RemoteError, log_level
from bus.protocol import (
    DeliveriesReply,
    Delivery,
    DirectChannel,
    Done,
    GetDeliveries,
    GetReminders,
    OpenDirectMessage,
    RecordDmsClosed,
    ReminderChoice,
    RemindersReply,
    SetReminder,
)
from services.scheduler import once
from services.scheduler.board import HourLine
from services.scheduler.daily import Days, GuildDay
from services.scheduler.engines.choices import ChoiceCache
from services.scheduler.names import inert
from services.scheduler.once import finish, post_once, reference
from services.scheduler.slots import Slot

log = logging.getLogger(__name__)

IDLE = 300.0  # calendar seconds between looks when nothing is due
PARALLEL = 8  # reminders in flight at once; the gateway waits out Discord's rate limits
KIND: Final = "reminder"


@dataclass(frozen=True, slots=True)
class Due:
    """One reminder: ``user_id``'s run of hours starting at ``slot``, due at ``at``."""

    user_id: int
    slot: Slot
    at: float


def runs(lines: Sequence[HourLine], user_id: int) -> list[Slot]:
    """The first hour of each run of consecutive hours ``user_id`` is in."""
    firsts: list[Slot] = []
    previous: Slot | None = None
    for line in lines:
        if any(user == user_id for user, _ in line.players):
            if previous is None or line.slot.start != previous.start + 3600:
                firsts.append(line.slot)
            previous = line.slot
        else:
            previous = None
    return firsts


def due_reminders(lines: Sequence[HourLine], choices: Iterable[ReminderChoice]) -> list[Due]:
    """Every reminder of the day's ``lines`` for the members with ``choices``, by due time."""
    found = [
        Due(choice.user_id, first, first.start - 60.0 * choice.minutes)
        for choice in choices
        for first in runs(lines, choice.user_id)
    ]
    return sorted(found, key=lambda due: (due.at, due.user_id))


@dataclass(slots=True)
class _Guild:
    day: date | None = None  # the day ``finished`` is about
    finished: set[tuple[int, int]] = field(default_factory=set)  # (hour, member) sent/dropped


class Reminders:
    """Every guild's reminders; see the module docstring."""

    def __init__(self, days: Days, clock: Clock) -> None:
        self._days = days
        self._clock = clock
        self._choices = ChoiceCache(self._fetch)
        self._guilds: dict[int, _Guild] = {}
        self._closed: set[int] = set()  # members whose DMs Discord refuses
        self._flying: set[tuple[int, date, int, int]] = set()
        self._gate = asyncio.Semaphore(PARALLEL)

    # ------------------------------------------------------------- choices

    async def _fetch(self, guild_id: int) -> list[ReminderChoice]:
        found = await self._days.ask("telemetry", GetReminders(guild_id=guild_id), RemindersReply)
        self._closed.update(found.dms_closed)
        return found.choices

    async def choose(self, guild_id: int, user_id: int, choice: ReminderChoice | None) -> None:
        """Store a member's choice (None: off) and use it from now on."""
        request = SetReminder(guild_id=guild_id, user_id=user_id, choice=choice)
        await self._days.ask("telemetry", request, RemindersReply)
        await self._choices.put(guild_id, user_id, choice)
        if choice is not None and user_id in self._closed:
            # The member asked again: maybe they opened their DMs. One more try, and a
            # refusal is remembered again.
            await self._days.ask("telemetry", RecordDmsClosed(user_id=user_id, closed=False), Done)
            self._closed.discard(user_id)
        self._days.on_change(guild_id)

    async def choice(self, guild_id: int, user_id: int) -> ReminderChoice | None:
        """A member's reminders, if on."""
        return await self._choices.get(guild_id, user_id)

    def forget(self, user_id: int) -> None:
        """The member's data was deleted: no reminders for them any more."""
        self._choices.forget(user_id)
        self._closed.discard(user_id)

    def dms_closed(self, user_id: int) -> bool:
        """Whether Discord refused the bot's DMs to this member."""
        return user_id in self._closed

    # ------------------------------------------------------------- the clock

    async def tick(self, guild_day: GuildDay) -> tuple[float, bool]:
        """Send what is due in one guild; the calendar instant to look at it again, and
        whether to retry soon (a service did not answer). Only the guild that changed or
        fell due is looked at (``due.py``)."""
        now = self._clock.now()
        wake = now + IDLE
        if guild_day.day is None or not guild_day.message_id:
            return wake, False
        try:
            choices = await self._choices.of(guild_day.guild_id)
            guild = self._guilds.setdefault(guild_day.guild_id, _Guild())
            await self._today(guild_day, guild)
        except BusError as error:
            log.log(log_level(error), "guild %d: reminders wait: %s", guild_day.guild_id, error)
            return wake, True
        sends = []
        for due in due_reminders(self._days.lines(guild_day), choices.values()):
            key = (guild_day.guild_id, guild_day.day, due.slot.hour, due.user_id)
            if (due.slot.hour, due.user_id) in guild.finished or key in self._flying:
                continue
            if due.at > now:
                wake = min(wake, due.at)
                continue
            self._flying.add(key)
            sends.append(self._deliver(guild_day, guild, guild_day.day, due, key))
        results = await asyncio.gather(*sends)
        return wake, not all(results)

    async def _today(self, guild_day: GuildDay, guild: _Guild) -> None:
        """Know which of the current day's reminders are finished (read once per day)."""
        day = guild_day.day
        if day is None or guild.day == day:
            return
        request = GetDeliveries(guild_id=guild_day.guild_id, date=day.isoformat())
        found = await self._days.ask("telemetry", request, DeliveriesReply)
        guild.finished = {
            (d.hour, d.user_id) for d in found.deliveries if d.kind == KIND and d.state != "claimed"
        }
        guild.day = day

    # ------------------------------------------------------------- sending

    async def _deliver(
        self,
        guild_day: GuildDay,
        guild: _Guild,
        day: date,
        due: Due,
        key: tuple[int, date, int, int],
    ) -> bool:
        """Send one reminder exactly once; False when a service failed (tried again later)."""
        async with self._gate:
            try:
                done = await self._send_once(guild_day, day, due)
            except BusError as error:
                log.log(
                    log_level(error),
                    "guild %d: the %s reminder for %d waits: %s",
                    guild_day.guild_id,
                    day,
                    due.user_id,
                    error,
                )
                return False
            finally:
                self._flying.discard(key)
        if done.state != "claimed":
            guild.finished.add((due.slot.hour, due.user_id))
        return True

    async def _send_once(self, guild_day: GuildDay, day: date, due: Due) -> Delivery:
        ask = self._days.ask
        claim, claimed = await once.claim(
            self._days, guild_day.guild_id, day, due.slot.hour, due.user_id, KIND
        )
        if claimed.delivery.state != "claimed":
            return claimed.delivery
        if self._clock.now() >= due.slot.start:
            log.info(
                "guild %d: the reminder for %d came too late for %02d:00; dropped",
                guild_day.guild_id,
                due.user_id,
                due.slot.hour,
            )
            return await finish(self._days, self._clock, claim, "dropped")
        ref = reference(guild_day.guild_id, day, due.slot.hour, due.user_id, KIND)
        choice = await self._choices.get(guild_day.guild_id, due.user_id)
        wants_dm = choice is None or not choice.channel
        if wants_dm and due.user_id not in self._closed:
            opened = await ask("gateway", OpenDirectMessage(user_id=due.user_id), DirectChannel)
            text = self._dm(guild_day, due, ref)
            sent = await post_once(self._days, opened.channel_id, ref, text, fresh=claimed.fresh)
            if sent is not None:
                return await finish(self._days, self._clock, claim, "sent", opened.channel_id, sent)
            # Discord refused: the member does not take DMs from the bot. Remembered, so
            # that their next reminders go to the channel without asking Discord again.
            self._closed.add(due.user_id)
            await ask("telemetry", RecordDmsClosed(user_id=due.user_id), Done)
            log.info("member %d does not accept DMs; reminding in the channel", due.user_id)
        channel = guild_day.channel_id
        text = self._mention(due, ref, fallback=wants_dm)
        sent = await post_once(
            self._days, channel, ref, text, fresh=claimed.fresh, notify=[due.user_id]
        )
        if sent is None:
            raise RemoteError(
                "gateway", CANNOT_MESSAGE_USER, "the daily channel refused the reminder"
            )
        return await finish(self._days, self._clock, claim, "sent", channel, sent)

    def _dm(self, guild_day: GuildDay, due: Due, ref: str) -> str:
        start = int(due.slot.start)
        name = inert(self._days.guild_name(guild_day.guild_id))
        return (
            f"⏰ You play at <t:{start}:t> (<t:{start}:R>) in **{name}**.\n"
            f"-# /remind off to stop these · ref {ref}"
        )

    @staticmethod
    def _mention(due: Due, ref: str, *, fallback: bool) -> str:
        start = int(due.slot.start)
        why = " (your DMs are closed to the bot, so here)" if fallback else ""
        return (
            f"⏰ <@{due.user_id}> you play at <t:{start}:t> (<t:{start}:R>){why}.\n"
            f"-# /remind off to stop these · ref {ref}"
        )

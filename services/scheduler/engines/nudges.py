"""Nudges: one gentle DM a day to a regular who has not answered, naming who has.

A member is nudged when all of this holds:

- they want nudges: ``/nudges on``, or they chose nothing and the guild's admins switched
  nudges on for the server (``/config nudges``); ``/nudges off`` always wins;
- they usually play on this weekday: telemetry's voice record has them in voice on it in
  at least ``MIN_WEEKS`` of the last ``WEEKS`` weeks (``GetRegulars``);
- they are in no hour of today's message (no click, no usual hour, not in voice) and said
  "maybe" for none: either way they have answered;
- they did not say they are away today (``/away``): away, their usual hours do not count,
  and being in no hour is their answer, not a reason to ask;
- some of their usual co-players (the members they shared the most voice time with over
  those weeks) are in an hour of today that has not ended;
- it is not their quiet time, on their own clock (their timezone, else the community's;
  23:00 to 09:00 unless they chose other hours).

The DM says which co-players are in at which hours, with one button per hour to add
themselves to it (a ``picked`` mark, shown on the daily message). At most one nudge per
member, guild and community day, whatever crashes: it is a delivery (``once``) of kind
``nudge`` for the whole day (hour -1). A nudge that finds nothing to offer any more by the
time it is sent (its hours ended) is dropped, never sent stale. Discord refusing the DM
(50007) drops it too: nudges never fall back to a mention in the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import msgspec

from bus.clock import Clock
from bus.errors import BusError, log_level
from bus.protocol import (
    ActionRow,
    Component,
    DeliveriesReply,
    DirectChannel,
    Done,
    GetDeliveries,
    GetNudges,
    GetRegulars,
    GetTimezones,
    NudgeChoice,
    NudgesReply,
    OpenDirectMessage,
    RecordDmsClosed,
    Regular,
    RegularsReply,
    SetNudge,
    TimezonesReply,
)
from services.runtime.playtime import community_date, zone
from services.scheduler import once
from services.scheduler.board import HourLine
from services.scheduler.daily import Days, GuildDay
from services.scheduler.engines.choices import ChoiceCache
from services.scheduler.names import inert
from services.scheduler.once import finish, post_once, reference
from services.scheduler.slots import Slot

log = logging.getLogger(__name__)

KIND: Final = "nudge"
WHOLE_DAY = -1  # a nudge is about the day, not one hour
WEEKS, MIN_WEEKS, PARTNERS = 4, 2, 5
QUIET_START, QUIET_END = 23, 9
IDLE = 300.0  # calendar seconds between looks when nothing is due
BUTTON = "scheduler:nudge"
MAX_BUTTONS = 10  # two rows of five: the hours with co-players in, soonest first
MAX_NAMES = 3  # co-players named per hour


@dataclass(frozen=True, slots=True)
class Offer:
    """An hour of today with some of the member's co-players in it."""

    slot: Slot
    partners: list[int]


def wants(choice: NudgeChoice | None, guild_on: bool) -> bool:
    """Whether a member is nudged: their own choice, else the guild's switch."""
    return choice.wanted if choice is not None else guild_on


def is_quiet(hour: int, start: int, end: int) -> bool:
    """Whether local ``hour`` is in the quiet hours ``start`` .. ``end`` (which may cross
    midnight; equal bounds mean no quiet hours)."""
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def quiet_until(now: float, tz: ZoneInfo, start: int, end: int) -> float | None:
    """When the quiet hours holding ``now`` end (the next local ``end``:00), or None when
    ``now`` is not quiet."""
    local = datetime.fromtimestamp(now, tz)
    if not is_quiet(local.hour, start, end):
        return None
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake = (wake + timedelta(days=1)).replace(hour=end)
    return max(wake.timestamp(), now + 60.0)  # a skipped wall time lands a little later


def offers(lines: Sequence[HourLine], regular: Regular, now: float) -> list[Offer]:
    """The hours of today worth a nudge for ``regular``: none when they are in any hour
    already or said maybe for one; else each hour that has not ended with some of their
    co-players in it."""
    if any(user == regular.user_id for line in lines for user, _ in line.players):
        return []
    if any(regular.user_id in line.maybes for line in lines):
        return []
    found = []
    for line in lines:
        if line.slot.start + 3600 <= now:
            continue
        present = {user for user, _ in line.players}
        partners = [partner for partner in regular.partners if partner in present]
        if partners:
            found.append(Offer(line.slot, partners))
    return found[:MAX_BUTTONS]


def button_id(guild_id: int, user_id: int, day: date, hour: int) -> str:
    """A nudge button's custom id: whose nudge, which day, which hour."""
    return f"{BUTTON}:{guild_id}:{user_id}:{day.isoformat()}:{hour}"


@dataclass(frozen=True, slots=True)
class Pick:
    """What a nudge button says (checked against the record before it is believed)."""

    guild_id: int
    user_id: int
    day: date
    hour: int


def parse_button(custom_id: str) -> Pick | None:
    """The button's fields, or None for anything that is not a well-formed nudge button."""
    prefix, _, rest = custom_id.partition(f"{BUTTON}:")
    parts = rest.split(":")
    if prefix or len(parts) != 4:
        return None
    guild, user, day, hour = parts
    if not all(part.isascii() and part.isdigit() for part in (guild, user, hour)):
        return None
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return None
    if not (0 < int(guild) < 1 << 64 and 0 < int(user) < 1 << 64 and int(hour) < 24):
        return None
    return Pick(int(guild), int(user), parsed, int(hour))


@dataclass(slots=True)
class _Guild:
    day: date | None = None  # the day the rest is about
    regulars: list[Regular] = field(default_factory=list)
    zones: dict[int, str] = field(default_factory=dict)  # regulars' own timezones
    finished: set[int] = field(default_factory=set)  # members nudged (or dropped) that day


class Nudges:
    """Every guild's nudges; see the module docstring."""

    def __init__(self, days: Days, clock: Clock) -> None:
        self._days = days
        self._clock = clock
        self._choices = ChoiceCache(self._fetch)
        self._guilds: dict[int, _Guild] = {}
        self._flying: set[tuple[int, date, int]] = set()

    async def _fetch(self, guild_id: int) -> list[NudgeChoice]:
        found = await self._days.ask("telemetry", GetNudges(guild_id=guild_id), NudgesReply)
        return found.choices

    async def choose(self, guild_id: int, choice: NudgeChoice) -> None:
        """Store a member's choice and use it from now on."""
        request = SetNudge(guild_id=guild_id, user_id=choice.user_id, choice=choice)
        await self._days.ask("telemetry", request, NudgesReply)
        await self._choices.put(guild_id, choice.user_id, choice)
        self._days.on_change(guild_id)  # look again: this member may be due now

    def forget(self, user_id: int, *, choices: bool = True) -> None:
        """The member's data was deleted (their choice goes too), or they opted out of
        telemetry: today's regulars lose them, as a regular and as anyone's co-player."""
        if choices:
            self._choices.forget(user_id)
        for guild in self._guilds.values():
            guild.regulars = [
                msgspec.structs.replace(r, partners=[p for p in r.partners if p != user_id])
                for r in guild.regulars
                if r.user_id != user_id
            ]

    async def choice(self, guild_id: int, user_id: int) -> NudgeChoice | None:
        """A member's own choice, if they made one."""
        return await self._choices.get(guild_id, user_id)

    async def sent_today(self, guild_id: int, user_id: int, day: date, message_id: int) -> bool:
        """Whether the nudge of ``message_id`` is the one sent to this member for that day."""
        request = GetDeliveries(guild_id=guild_id, date=day.isoformat())
        found = await self._days.ask("telemetry", request, DeliveriesReply)
        return any(
            d.kind == KIND
            and d.user_id == user_id
            and d.state == "sent"
            and d.message_id == message_id
            for d in found.deliveries
        )

    # ------------------------------------------------------------- the clock

    async def tick(self, guild_day: GuildDay) -> tuple[float, bool]:
        """Send one guild's nudges that are due; the calendar instant to look at it again,
        and whether to retry soon (a service did not answer)."""
        now = self._clock.now()
        wake = now + IDLE
        day = guild_day.day
        if day is None or not guild_day.message_id:
            return wake, False
        if day != community_date(now, zone(guild_day.window.timezone)):
            return wake, False  # yesterday's message is still current: it is not today
        try:
            choices = await self._choices.of(guild_day.guild_id)
            guild = self._guilds.setdefault(guild_day.guild_id, _Guild())
            await self._today(guild_day, guild, day)
            return min(wake, await self._guild_tick(guild_day, guild, choices, day, now)), False
        except BusError as error:
            log.log(log_level(error), "guild %d: nudges wait: %s", guild_day.guild_id, error)
            return wake, True

    async def _today(self, guild_day: GuildDay, guild: _Guild, day: date) -> None:
        """Know the day's regulars, their clocks and who was nudged (read once per day)."""
        if guild.day == day:
            return
        ask = self._days.ask
        request = GetRegulars(
            guild_id=guild_day.guild_id,
            date=day.isoformat(),
            weeks=WEEKS,
            min_weeks=MIN_WEEKS,
            partners=PARTNERS,
        )
        found = await ask("telemetry", request, RegularsReply)
        users = [regular.user_id for regular in found.regulars]
        zones = (await ask("telemetry", GetTimezones(user_ids=users), TimezonesReply)).timezones
        deliveries = await ask(
            "telemetry",
            GetDeliveries(guild_id=guild_day.guild_id, date=day.isoformat()),
            DeliveriesReply,
        )
        guild.regulars = found.regulars
        guild.zones = {user: name for user, name in zones.items() if name}
        guild.finished = {
            d.user_id for d in deliveries.deliveries if d.kind == KIND and d.state != "claimed"
        }
        guild.day = day

    async def _guild_tick(
        self,
        guild_day: GuildDay,
        guild: _Guild,
        choices: Mapping[int, NudgeChoice],
        day: date,
        now: float,
    ) -> float:
        wake = now + IDLE
        lines = self._days.lines(guild_day)
        members = self._days.member_ids(guild_day.guild_id)
        for regular in guild.regulars:
            user = regular.user_id
            key = (guild_day.guild_id, day, user)
            if user in guild.finished or key in self._flying or user not in members:
                continue
            choice = choices.get(user)
            if not wants(choice, guild_day.config.nudges) or guild_day.away_during(user):
                continue
            if not offers(lines, regular, now):
                continue  # looked at again after the next change of who is in
            quiet = choice or NudgeChoice(
                user_id=user, quiet_start=QUIET_START, quiet_end=QUIET_END
            )
            tz = zone(guild.zones.get(user) or guild_day.window.timezone)
            until = quiet_until(now, tz, quiet.quiet_start, quiet.quiet_end)
            if until is not None:
                wake = min(wake, until)
                continue
            self._flying.add(key)
            try:
                await self._send_once(guild_day, guild, day, regular, tz)
            finally:
                self._flying.discard(key)
        return wake

    # ------------------------------------------------------------- sending

    async def _send_once(
        self, guild_day: GuildDay, guild: _Guild, day: date, regular: Regular, tz: ZoneInfo
    ) -> None:
        ask, user = self._days.ask, regular.user_id
        claim, claimed = await once.claim(
            self._days, guild_day.guild_id, day, WHOLE_DAY, user, KIND
        )
        if claimed.delivery.state != "claimed":
            guild.finished.add(user)
            return
        found = offers(self._days.lines(guild_day), regular, self._clock.now())
        if not found or guild_day.away_during(user):  # said away since it was looked at
            log.info("guild %d: the nudge for %d had nothing left to offer", claim.guild_id, user)
            await finish(self._days, self._clock, claim, "dropped")
            guild.finished.add(user)
            return
        ref = reference(guild_day.guild_id, day, WHOLE_DAY, user, KIND)
        opened = await ask("gateway", OpenDirectMessage(user_id=user), DirectChannel)
        sent = await post_once(
            self._days,
            opened.channel_id,
            ref,
            self._text(guild_day, found, ref),
            fresh=claimed.fresh,
            components=_buttons(guild_day.guild_id, user, day, found, tz),
        )
        if sent is None:
            log.info("member %d does not accept DMs; no nudge", user)
            await ask("telemetry", RecordDmsClosed(user_id=user), Done)
            await finish(self._days, self._clock, claim, "dropped")
        else:
            await finish(self._days, self._clock, claim, "sent", opened.channel_id, sent)
        guild.finished.add(user)

    def _text(self, guild_day: GuildDay, found: Sequence[Offer], ref: str) -> str:
        guild_id = guild_day.guild_id
        name = inert(self._days.guild_name(guild_id))
        lines = [f"👋 Your usual crew plays today in **{name}**:"]
        for offer in found:
            names = [inert(self._days.member_name(guild_id, p)) for p in offer.partners]
            shown = ", ".join(names[:MAX_NAMES])
            if len(names) > MAX_NAMES:
                shown += f" and {len(names) - MAX_NAMES} more"
            lines.append(f"- <t:{int(offer.slot.start)}:t>: {shown}")
        lines.append("Join them? Pick an hour below, or react on the daily message.")
        lines.append(f"-# /nudges off to stop these · ref {ref}")
        return "\n".join(lines)


def _buttons(
    guild_id: int, user_id: int, day: date, found: Sequence[Offer], tz: ZoneInfo
) -> list[ActionRow]:
    """One button per hour, labelled on the member's own clock (a label cannot hold a
    Discord timestamp)."""
    buttons = [
        Component(
            custom_id=button_id(guild_id, user_id, day, offer.slot.hour),
            label=f"I'm in at {datetime.fromtimestamp(offer.slot.start, tz):%H:%M}",
            style=1,
        )
        for offer in found
    ]
    return [ActionRow(components=buttons[i : i + 5]) for i in range(0, len(buttons), 5)]

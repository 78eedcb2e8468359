"""Each guild's daily message: posted once per community day, always showing who is in.

The telemetry service holds the record (configuration, schedules, the day's post and
marks); this module keeps a copy of what the current message needs and asks the gateway
to post, edit and react.

Never two posts for one day, whatever crashes: before posting, the day's record is read,
and when it has no post the channel's newest messages are searched for one of ours that
names the day (its last line, see ``render.day_marker``) — a crash between posting and
recording leaves exactly that. Marks from reactions are reconciled with the message's
actual reactions whenever a post is (re)adopted: at start, after the gateway reconnects,
and after telemetry missed a mark.

The current message of a guild is its latest post: yesterday's stays current (reactions
on it count) until today's is posted. Reactions on any other message, and reactions
that are not one of the hours, are ignored: they are conversation, not marks.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import msgspec

from bus.client import BusClient
from bus.clock import AlarmClock
from bus.errors import (
    UNKNOWN_MESSAGE,
    BusError,
    RemoteError,
    RequestTimeout,
    discord_error,
    log_level,
)
from bus.protocol import (
    MAX_MARKS_PER_BATCH,
    Absence,
    AbsencesReply,
    ActionRow,
    AddReactions,
    Component,
    DayMark,
    DayStateReply,
    Done,
    EditMessage,
    FetchMessage,
    FetchRecentMessages,
    GetAbsences,
    GetDayState,
    GetGuildConfig,
    GetPlans,
    GetSchedules,
    GuildConfig,
    GuildConfigReply,
    MarkFacts,
    MarksRecorded,
    MemberFacts,
    MemberSchedule,
    MessageFetched,
    MessageSent,
    Plan,
    PlansReply,
    PostWindow,
    ReactionAdded,
    ReactionRemoved,
    RecentMessages,
    RecordDailyPost,
    RecordMark,
    RecordMarks,
    RemoveReactions,
    ReplyMessage,
    Request,
    SchedulesReply,
    SendMessage,
    SetPlans,
    VoiceChanged,
)
from bus.tasks import TaskSet
from services.runtime.playtime import (
    MAYBE,
    MAYBE_MARK,
    How,
    away_at,
    usual_hours,
    window_hour,
)
from services.scheduler.board import HourLine, attendance
from services.scheduler.coalesce import Coalescer
from services.scheduler.lanes import LANES, in_lanes
from services.scheduler.render import daily_text, day_marker
from services.scheduler.roster import Roster
from services.scheduler.slots import (
    Slot,
    community_date,
    day_slots,
    due_day,
    next_hour_start,
    next_post,
)

log = logging.getLogger(__name__)

NOT_ALLOWED = {discord_error(50001), discord_error(50013)}  # Missing Access, Missing Permissions

TIMEOUT = 2.0  # a request's deadline: telemetry and the gateway answer in milliseconds
POST_TIMEOUT = 30.0  # posting may wait out Discord's rate limits; a retry must not overtake it
NOT_TODAY = "scheduler:day:off"
MAYBE_BUTTON = "scheduler:day:maybe"
OPEN_SCHEDULE = "scheduler:sched:open"
IDLE_WAKE = 300.0
REACTION_PACE = (
    1.1  # seconds per reaction: nextcord waits out Discord's reaction bucket by whole seconds
)

DAY_BUTTONS = [
    ActionRow(
        components=[
            Component(custom_id=OPEN_SCHEDULE, label="My usual hours", style=2, emoji="📅"),
            Component(custom_id=MAYBE_BUTTON, label="Maybe", style=2, emoji=MAYBE_MARK),
            Component(custom_id=NOT_TODAY, label="Not today", style=2, emoji="🚫"),
        ]
    )
]


@dataclass(frozen=True, slots=True)
class Drawn:
    """Who is in each hour (``Days.lines``), and the state it was worked out from."""

    day: date
    marks: list[MarkFacts]
    window: GuildConfig
    schedules: dict[int, MemberSchedule]
    absences: dict[int, list[Absence]]
    plans: dict[int, list[Plan]]
    lines: list[HourLine]


@dataclass(slots=True)
class GuildDay:
    """One guild: its configuration, schedules and current daily message."""

    config: GuildConfig
    schedules: dict[int, MemberSchedule] = field(default_factory=dict)  # members with usual hours
    absences: dict[int, list[Absence]] = field(
        default_factory=dict
    )  # members who said they're away
    plans: dict[int, list[Plan]] = field(default_factory=dict)  # hours planned, by member
    day: date | None = None
    channel_id: int = 0
    message_id: int = 0
    marks: list[MarkFacts] = field(default_factory=list)
    shown: str = ""  # the text Discord shows now
    stale: bool = False  # the marks may miss reactions: reconcile at the next tick
    missed: bool = False  # telemetry did not answer: skip reactions until reconciled
    voice_slot: tuple[date, int] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    coalescer: Coalescer | None = None
    posted_with: GuildConfig | None = None  # whose window (and zone) the current message shows
    clicked: set[tuple[int, int]] | None = None  # (member, hour) clicked while reconciling
    refused_in: int = 0  # the channel Discord refused the post in, already told to the admin
    drawn: Drawn | None = None  # the latest ``Days.lines``, while its state is unchanged
    # "Interested" clicks may have been missed (a start, a reconnect, telemetry not answering):
    # the hour events' interested members are read from Discord again (``Calls``).
    interest_stale: bool = True
    interest_seen: set[tuple[int, int]] | None = None  # (member, hour) clicked meanwhile

    @property
    def guild_id(self) -> int:
        return self.config.guild_id

    @property
    def window(self) -> GuildConfig:
        """The configuration of the current message's hours: a window changed by an admin
        applies from the next message, so that clicks keep meaning the hour they were for."""
        return self.posted_with or self.config

    def slots(self) -> list[Slot]:
        return day_slots(self.day, self.window) if self.day else []

    def standing(self, user_id: int, source: str) -> set[int]:
        """The hours of the current day with a mark of ``source`` by the member, not taken back."""
        return {
            m.hour
            for m in self.marks
            if m.user_id == user_id and m.source == source and not m.cancelled
        }

    def usual_hours(self, user_id: int, day: date) -> list[int]:
        """The hours of ``day``'s window the member's usual hours hold and count (they are
        not away then), in window order."""
        window = day_slots(day, self.window)
        held = self.counted(user_id, day, window)
        return [hour.hour for hour in window if hour.hour in held]

    def counted(self, user_id: int, day: date, window: list[Slot]) -> set[int]:
        """The hours of ``window`` (``day``'s) that the member's usual hours put them in:
        those their schedule holds, less those on a day they said they are away."""
        schedule = self.schedules.get(user_id)
        if schedule is None:
            return set()
        held = usual_hours(schedule, day, window)
        away = self.absences.get(user_id)
        if away and held:
            return {
                hour.hour for hour in window if hour.hour in held and not away_at(away, hour.start)
            }
        return held

    def planned(self, day: date) -> dict[int, set[int]]:
        """The hours of community day ``day`` each member planned (see ``scheduler.plan``)."""
        wanted = day.isoformat()
        found: dict[int, set[int]] = {}
        for user, plans in self.plans.items():
            hours = {p.hour for p in plans if p.day == wanted and not p.cancelled}
            if hours:
                found[user] = hours
        return found

    def away_during(self, user_id: int) -> bool:
        """Whether the member said they are away on a day an hour of the current message
        falls on: they have answered for today, and no nudge should ask them again."""
        away = self.absences.get(user_id, [])
        return any(away_at(away, slot.start) for slot in self.slots()) if away else False


type Click = tuple[GuildDay, date, MarkFacts]
"""A mark to record, with the guild and the community day it is for."""


class PostRefused(BusError):
    """Discord refused the daily post for want of a permission; logged once, retried."""


class Days:
    """Every guild's daily message; see the module docstring."""

    def __init__(
        self,
        bus: BusClient,
        roster: Roster,
        tasks: TaskSet,
        clock: AlarmClock,
        *,
        mark_batch: int = MAX_MARKS_PER_BATCH,
        lanes: int = LANES,
    ) -> None:
        self._bus = bus
        self._lanes = lanes  # guilds at work at once (``lanes.py``); 1: one after another
        self._mark_batch = mark_batch  # marks per round trip to telemetry; 1: one at a time
        self._roster = roster
        self._tasks = tasks
        self._clock = clock
        self.guilds: dict[int, GuildDay] = {}
        self.changed = asyncio.Event()  # wakes the ticking loop early
        # Who is in (or what acts on it reads) changed in a guild: the engines look at it.
        self.on_change: Callable[[int], None] = lambda guild_id: None

    # ------------------------------------------------------------- peers

    async def ask[R: ReplyMessage](
        self, target: str, request: Request, expect: type[R], *, timeout: float = TIMEOUT
    ) -> R:
        """One request to ``target`` with the scheduler's deadline."""
        return await self._bus.request(target, request, expect=expect, timeout=timeout)

    async def _react(self, guild: GuildDay, emojis: list[str]) -> None:
        # Discord lets a bot add about four reactions a second in a channel. Not past the
        # next day's post, though: then this message is yesterday's (on a scaled clock a day
        # may pass sooner than ten reactions do), and the gateway stops at the deadline.
        request = AddReactions(
            channel_id=guild.channel_id, message_id=guild.message_id, emojis=emojis
        )
        timeout = TIMEOUT + REACTION_PACE * len(emojis)
        until_next = self._clock.real_delay(next_post(self._clock.now(), guild.config))
        await self.ask("gateway", request, Done, timeout=min(timeout, max(until_next, TIMEOUT)))

    # ------------------------------------------------------------- loading

    async def load(self, guild_id: int) -> GuildDay:
        """The guild's state, read from telemetry the first time."""
        known = self.guilds.get(guild_id)
        if known is not None:
            return known
        config = await self.ask("telemetry", GetGuildConfig(guild_id=guild_id), GuildConfigReply)
        schedules = await self.ask("telemetry", GetSchedules(guild_id=guild_id), SchedulesReply)
        # Absences ended before yesterday (on any calendar) hold no hour any more.
        since = community_date(self._clock.now(), config.config) - timedelta(days=2)
        away = await self.ask(
            "telemetry", GetAbsences(guild_id=guild_id, since=since.isoformat()), AbsencesReply
        )
        planned = await self.ask(
            "telemetry", GetPlans(guild_id=guild_id, since=since.isoformat()), PlansReply
        )
        guild = self.guilds.get(guild_id)  # another task may have loaded it meanwhile
        if guild is not None:
            return guild
        guild = GuildDay(config.config, stale=True)
        guild.schedules = {s.user_id: s for s in schedules.schedules if s.slots}
        for absence in away.absences:
            guild.absences.setdefault(absence.user_id, []).append(absence)
        for plan in planned.plans:
            guild.plans.setdefault(plan.user_id, []).append(plan)
        guild.coalescer = Coalescer(
            lambda: self._flush(guild), self._tasks, name=f"edit.{guild_id}"
        )
        self.guilds[guild_id] = guild
        self.changed.set()
        self.on_change(guild_id)  # a guild the engines have not seen yet
        return guild

    def set_config(self, config: GuildConfig) -> None:
        """Use a new configuration (already stored); the message follows."""
        guild = self.guilds.get(config.guild_id)
        if guild is None:
            return
        guild.config = config
        guild.stale = True  # new hours may need their reactions
        self.changed.set()
        # What acts on hours (calls, the week's post) reads the setup too.
        self.on_change(config.guild_id)

    def set_schedule(self, guild_id: int, schedule: MemberSchedule) -> None:
        """Use a member's new schedule (already stored); the message follows."""
        guild = self.guilds.get(guild_id)
        if guild is None:
            return
        # A new dict, not a change in place: ``lines`` knows its drawing is stale by identity.
        kept = {user: s for user, s in guild.schedules.items() if user != schedule.user_id}
        if schedule.slots:
            kept[schedule.user_id] = schedule
        guild.schedules = kept
        self._touch(guild)

    def set_absences(self, guild_id: int, user_id: int, absences: list[Absence]) -> None:
        """Use a member's standing absences (already stored); the message follows."""
        guild = self.guilds.get(guild_id)
        if guild is None:
            return
        # A new dict, as for schedules: ``lines`` knows its drawing is stale by identity.
        kept = {user: a for user, a in guild.absences.items() if user != user_id}
        if absences:
            kept[user_id] = list(absences)
        guild.absences = kept
        self._touch(guild)

    def set_plans(self, guild_id: int, user_id: int, plans: list[Plan]) -> None:
        """Use a member's standing plans (already stored); the message follows."""
        guild = self.guilds.get(guild_id)
        if guild is None:
            return
        # A new dict, as for schedules: ``lines`` knows its drawing is stale by identity.
        kept = {user: p for user, p in guild.plans.items() if user != user_id}
        if plans:
            kept[user_id] = list(plans)
        guild.plans = kept
        self._touch(guild)

    async def forget(self, user_id: int) -> None:
        """The member's data was deleted in telemetry: their usual hours go, and each current
        message is read again (their marks went too; a reaction still on Discord comes back
        as a new mark when the message is reconciled)."""
        for guild in list(self.guilds.values()):
            if user_id in guild.schedules:
                guild.schedules = {u: s for u, s in guild.schedules.items() if u != user_id}
            if user_id in guild.absences:
                guild.absences = {u: a for u, a in guild.absences.items() if u != user_id}
            if user_id in guild.plans:
                guild.plans = {u: p for u, p in guild.plans.items() if u != user_id}
            if guild.day is not None:
                state = await self._day_state(guild, guild.day)
                guild.marks = state.marks
                guild.stale = True
            self._touch(guild)
        self.changed.set()

    def reconnected(self, guild_id: int) -> None:
        """The gateway reconnected: reactions may have been missed meanwhile."""
        guild = self.guilds.get(guild_id)
        if guild is not None:
            guild.stale = guild.interest_stale = True
            self.changed.set()
            self.on_change(guild_id)

    # ------------------------------------------------------------- the clock

    async def tick(self) -> tuple[float, bool]:
        """Post what is due, reconcile what is stale, mark voice hours: each guild in its own
        lane (``lanes.py``), so that many guilds' posts and reactions go out together.

        Returns the calendar instant to tick again at, and whether a guild wants a retry
        soon (in real seconds: a service was unreachable).
        """
        wake = self._clock.now() + IDLE_WAKE
        results = await in_lanes(list(self.guilds.values()), self._lane, self._lanes)
        return min([wake, *(at for at, _ in results)]), any(retry for _, retry in results)

    async def _lane(self, guild: GuildDay) -> tuple[float, bool]:
        """One guild's tick: when it wants the next, and whether to retry soon."""
        now = self._clock.now()
        retry = False
        try:
            await self._tick_guild(guild, now)
        except PostRefused:
            retry = True  # said once when first refused: an admin must grant it
        except BusError as error:
            log.log(log_level(error), "guild %d: %s; trying again soon", guild.guild_id, error)
            retry = True
        config = guild.config
        return min(next_post(now, config), next_hour_start(now, config)), retry

    async def _tick_guild(self, guild: GuildDay, now: float) -> None:
        async with guild.lock:
            due = due_day(now, guild.config) if guild.config.channel_id else None
            if due is not None and guild.day != due:
                await self._ensure_post(guild, due)
            elif guild.stale:
                if not guild.message_id:
                    await self._adopt_latest(guild, now)
                await self._check_message(guild)
        await self._voice_hour(guild, now)

    async def post_now(self, guild_id: int) -> tuple[bool, str]:
        """Post today's message if it is not posted yet: (newly posted?, link to it)."""
        guild = await self.load(guild_id)
        if not guild.config.channel_id:
            raise LookupError("no channel is set: use /config channel first")
        today = community_date(self._clock.now(), guild.config)
        async with guild.lock:
            posted_before = guild.day == today and bool(guild.message_id)
            await self._ensure_post(guild, today)
        return not posted_before, self.link(guild)

    def link(self, guild: GuildDay) -> str:
        """A link to the guild's current message."""
        return (
            f"https://discord.com/channels/{guild.guild_id}/{guild.channel_id}/{guild.message_id}"
        )

    # ------------------------------------------------------------- posting

    async def _adopt_latest(self, guild: GuildDay, now: float) -> None:
        """After a start: today's post if it exists, else yesterday's, stays the current one."""
        today = community_date(now, guild.config)
        for day in (today, today - timedelta(days=1)):
            state = await self._day_state(guild, day)
            if state.message_id:
                self._adopt(guild, day, state)
                return

    async def _ensure_post(self, guild: GuildDay, day: date) -> None:
        """Make ``day``'s message the current one: adopt it when it exists, else post it."""
        state = await self._day_state(guild, day)
        if state.message_id:
            self._adopt(guild, day, state)
            if await self._check_message(guild):
                return
            log.warning(
                "guild %d: the %s message was deleted; posting it again", guild.guild_id, day
            )
        elif (found := await self._find_posted(guild, day)) is not None:
            log.info("guild %d: found the %s message posted before a restart", guild.guild_id, day)
            state = await self._record_post(
                guild, day, guild.config.channel_id, found, guild.config
            )
            self._adopt(guild, day, state)
            await self._check_message(guild)
            return
        self._adopt(guild, day, state)
        guild.message_id = 0
        channel_id = guild.config.channel_id
        text = self.text(guild)
        try:
            sent = await self.ask(
                "gateway",
                SendMessage(channel_id=channel_id, content=text, components=DAY_BUTTONS),
                MessageSent,
                timeout=POST_TIMEOUT,
            )
            state = await self._record_post(guild, day, channel_id, sent.message_id, guild.window)
        except BusError as error:
            # Not posted, or posted but not recorded: the next tick tries again, and finds
            # a message that did go out among the channel's newest.
            guild.day = None
            guild.stale = True
            if isinstance(error, RemoteError) and error.code in NOT_ALLOWED:
                self._refused(guild, channel_id, error)
                raise PostRefused(str(error)) from error
            raise
        if guild.refused_in:
            log.info(
                "guild %d: channel %d accepts the daily message again", guild.guild_id, channel_id
            )
            guild.refused_in = 0
        self._adopt(guild, day, state)
        guild.shown = text
        guild.stale = True  # until the hour reactions are all there
        self._touch(guild)  # a change made while posting shows in the first edit
        log.info("guild %d: posted the %s message", guild.guild_id, day)
        await self._react(guild, [slot.emoji for slot in guild.slots()])
        # Members may click before the post is recorded here: read what they did.
        await self._check_message(guild)

    @staticmethod
    def _refused(guild: GuildDay, channel_id: int, error: RemoteError) -> None:
        """Say once per channel what the admin must fix; the retries every few seconds
        would otherwise repeat it hundreds of times an hour."""
        if guild.refused_in == channel_id:
            log.debug(
                "guild %d: channel %d still refuses the post: %s", guild.guild_id, channel_id, error
            )
            return
        guild.refused_in = channel_id
        log.warning(
            "guild %d: Discord refuses the daily message in channel %d (%s): the bot needs"
            " View Channel, Send Messages and Add Reactions there; trying again until it may",
            guild.guild_id,
            channel_id,
            error.message,
        )

    async def _day_state(self, guild: GuildDay, day: date) -> DayStateReply:
        request = GetDayState(guild_id=guild.guild_id, date=day.isoformat())
        return await self.ask("telemetry", request, DayStateReply)

    async def _record_post(
        self, guild: GuildDay, day: date, channel_id: int, message_id: int, shown: GuildConfig
    ) -> DayStateReply:
        """Record the day's message and ``shown``, the configuration whose window it shows."""
        request = RecordDailyPost(
            guild_id=guild.guild_id,
            date=day.isoformat(),
            channel_id=channel_id,
            message_id=message_id,
            posted_at=self._clock.now(),
            window=PostWindow(
                shown.timezone, shown.window_start, shown.window_hours, shown.hour_emoji
            ),
        )
        return await self.ask("telemetry", request, DayStateReply)

    def _adopt(self, guild: GuildDay, day: date, state: DayStateReply) -> None:
        if guild.day != day or guild.message_id != state.message_id:
            guild.shown = ""
            guild.posted_with = _posted_with(guild.config, state.window)
            self.on_change(guild.guild_id)  # a new current message: its hours act
        guild.day = day
        guild.channel_id = state.channel_id
        guild.message_id = state.message_id
        guild.marks = state.marks

    async def _find_posted(self, guild: GuildDay, day: date) -> int | None:
        """Our message for ``day`` among the channel's newest, posted but never recorded."""
        channel_id = guild.config.channel_id
        recent = await self.ask(
            "gateway", FetchRecentMessages(channel_id=channel_id, limit=20), RecentMessages
        )
        marker = day_marker(day)
        for message in recent.messages:
            # Only the bot's own: a member could post a look-alike to hijack the day.
            if message.mine and message.content.rpartition("\n")[2].startswith(marker):
                return message.message_id
        return None

    async def _check_message(self, guild: GuildDay) -> bool:
        """Add missing hour reactions and reconcile marks with the reactions; False if deleted."""
        if not guild.message_id or guild.day is None:
            guild.stale = False
            return True
        # Cleared first: a reason to reconcile that comes up meanwhile brings another round.
        guild.stale = False
        guild.missed = False  # reactions from now on are recorded; earlier ones are fetched
        guild.clicked = set()
        try:
            return await self._reconcile(guild)
        except BaseException:
            guild.stale = True
            raise
        finally:
            guild.clicked = None

    async def _reconcile(self, guild: GuildDay) -> bool:
        assert guild.day is not None
        try:
            message = await self.ask(
                "gateway",
                FetchMessage(channel_id=guild.channel_id, message_id=guild.message_id),
                MessageFetched,
            )
        except RemoteError as error:
            if error.code != UNKNOWN_MESSAGE:
                raise
            guild.message_id = 0
            return False
        slots = guild.slots()
        reactions = {r.emoji: r.user_ids for r in message.reactions}
        bot = message.author_id
        hours = {s.emoji for s in slots}
        stale = [emoji for emoji, users in reactions.items() if bot in users and emoji not in hours]
        if stale:  # the window changed since the post: its old hours are no longer offered
            request = RemoveReactions(
                channel_id=guild.channel_id, message_id=guild.message_id, emojis=stale
            )
            await self.ask("gateway", request, Done, timeout=TIMEOUT + REACTION_PACE * len(stale))
        missing = [s.emoji for s in slots if bot not in reactions.get(s.emoji, [])]
        if missing:
            await self._react(guild, missing)
        found: list[MarkFacts] = []
        for slot in slots:
            # A click that arrived after the message was read is newer than what was read.
            fresh = {user for user, hour in guild.clicked or () if hour == slot.hour}
            reacted = {user for user in reactions.get(slot.emoji, []) if user != bot} - fresh
            marked = {
                m.user_id
                for m in guild.marks
                if m.hour == slot.hour and m.source == How.REACTED and not m.cancelled
            } - fresh
            found += [
                MarkFacts(user_id=user, hour=slot.hour, source=How.REACTED)
                for user in sorted(reacted - marked)
            ]
            found += [
                MarkFacts(user_id=user, hour=slot.hour, source=How.REACTED, cancelled=True)
                for user in sorted(marked - reacted)
            ]
        # What the reactions say and the record missed: recorded in batches, as clicks are.
        await self._record([(guild, guild.day, mark) for mark in found])
        # Joins missed meanwhile: whoever is in a counted channel now is in this hour.
        await self._voice_marks(guild, self._in_counted_voice(guild), self._clock.now())
        guild.shown = message.content
        self._touch(guild)
        return True

    # ------------------------------------------------------------- marks

    async def _mark(self, guild: GuildDay, day: date, mark: MarkFacts) -> None:
        stamped = MarkFacts(
            user_id=mark.user_id,
            hour=mark.hour,
            source=mark.source,
            cancelled=mark.cancelled,
            at=self._clock.now(),
        )
        request = RecordMark(guild_id=guild.guild_id, date=day.isoformat(), mark=stamped)
        state = await self.ask("telemetry", request, DayStateReply)
        if guild.day == day:
            guild.marks = state.marks
            self._touch(guild)

    async def on_reactions(self, events: Sequence[ReactionAdded | ReactionRemoved]) -> None:
        """Members clicked (or un-clicked) hours of current messages.

        The clicks that reached the scheduler together (one batch of the bus) are recorded
        together: ``mark_batch`` marks per round trip to telemetry, stored in one
        transaction, whose answer names the days that changed; each of those messages is
        then edited once for the whole batch. A batch telemetry did not answer is fetched
        again from the message's reactions (its guilds are reconciled), which telemetry
        stores once however often it sees a mark (see ``services/telemetry/days.py``).
        """
        clicks = [found for event in events if (found := self._click(event)) is not None]
        for chunk in itertools.batched(clicks, self._mark_batch):
            live = [click for click in chunk if not click[0].missed]
            try:
                await self._record(live)
            except BusError as error:
                missed = {click[0].guild_id: click[0] for click in live}
                log.log(
                    log_level(error),
                    "guilds %s: %d clicks were not recorded (%s); reconciling",
                    sorted(missed),
                    len(live),
                    error,
                )
                for guild in missed.values():
                    guild.stale = guild.missed = True
                self.changed.set()

    def _click(self, event: ReactionAdded | ReactionRemoved) -> Click | None:
        """The mark a click on an hour of a current message makes; None for any other
        reaction (another message, another emoji, a bot) or while the guild is reconciled."""
        guild = self.guilds.get(event.guild_id)
        if guild is None or guild.day is None or event.member.bot:
            return None
        if event.message_id != guild.message_id or guild.missed:
            return None
        hour = next((s.hour for s in guild.slots() if s.emoji == event.emoji), None)
        if hour is None:
            return None
        if guild.clicked is not None:
            guild.clicked.add((event.member.user_id, hour))
        mark = MarkFacts(
            user_id=event.member.user_id,
            hour=hour,
            source=How.REACTED,
            cancelled=isinstance(event, ReactionRemoved),
        )
        return guild, guild.day, mark

    async def _record(self, clicks: Sequence[Click]) -> None:
        """Record marks in batches of ``mark_batch``, each in one round trip; the messages
        whose day changed follow. Raises BusError when telemetry did not answer a batch."""
        for chunk in itertools.batched(clicks, self._mark_batch):
            now = self._clock.now()
            request = RecordMarks(
                marks=[
                    DayMark(
                        guild_id=guild.guild_id,
                        date=day.isoformat(),
                        mark=msgspec.structs.replace(mark, at=now),
                    )
                    for guild, day, mark in chunk
                ]
            )
            recorded = await self.ask("telemetry", request, MarksRecorded)
            for state in recorded.days:
                guild = self.guilds.get(state.guild_id)
                if guild is not None and guild.day is not None and _is_day(guild.day, state):
                    guild.marks = state.marks
                    self._touch(guild)
            for index in recorded.refused:
                # Telemetry keeps no voice marks of members who opted out: nothing to show.
                log.debug("the mark of %d was not kept: opted out", chunk[index][2].user_id)

    async def on_voice(self, event: VoiceChanged) -> None:
        """A member joining a counted voice channel is in the current hour."""
        channel = event.after.channel_id
        if event.member.bot or not channel or channel == event.before_channel_id:
            return
        guild = self.guilds.get(event.guild_id)
        if guild is None or channel not in guild.config.voice_channel_ids:
            return
        await self._voice_marks(guild, [event.member.user_id], self._clock.now())

    async def _voice_hour(self, guild: GuildDay, now: float) -> None:
        """At each new hour, members still in counted voice channels are in it too."""
        where = window_hour(now, guild.window)
        if where == guild.voice_slot:
            return
        guild.voice_slot = where
        await self._voice_marks(guild, self._in_counted_voice(guild), now)

    def _in_counted_voice(self, guild: GuildDay) -> list[int]:
        """The members (not bots) in the guild's counted voice channels now."""
        view = self._roster.guild(guild.guild_id)
        counted = set(guild.config.voice_channel_ids)
        return [
            user
            for user, channel in view.voice.items()
            if channel in counted and not _is_bot(view.members.get(user))
        ]

    async def _voice_marks(self, guild: GuildDay, users: Iterable[int], now: float) -> None:
        """Mark ``users`` in voice for the hour holding ``now`` (once: known marks are skipped)."""
        where = window_hour(now, guild.window)
        if where is None:
            return
        day, hour = where
        known = {
            m.user_id
            for m in guild.marks
            if guild.day == day and m.hour == hour and m.source == How.VOICE and not m.cancelled
        }
        await self._record(
            [
                (guild, day, MarkFacts(user_id=user, hour=hour, source=How.VOICE))
                for user in users
                if user not in known
            ]
        )

    async def not_today(self, guild_id: int, user_id: int) -> list[int]:
        """Take the member's usual hours, the hours they planned or picked from a nudge and
        their maybes of the current day back; the hours taken back."""
        guild = self.guilds.get(guild_id)
        if guild is None or guild.day is None:
            return []
        day = guild.day
        planned = await self._unplan(guild, user_id, day)
        usual = guild.usual_hours(user_id, day)
        picked = guild.standing(user_id, How.PICKED)
        unsure = guild.standing(user_id, MAYBE)
        for hour in usual:
            mark = MarkFacts(user_id=user_id, hour=hour, source=How.SCHEDULED, cancelled=True)
            await self._mark(guild, day, mark)
        for source, hours in ((How.PICKED, picked), (MAYBE, unsure)):
            for hour in sorted(hours):
                mark = MarkFacts(user_id=user_id, hour=hour, source=source, cancelled=True)
                await self._mark(guild, day, mark)
        taken = picked | unsure | set(usual) | planned
        return [slot.hour for slot in guild.slots() if slot.hour in taken]

    async def _unplan(self, guild: GuildDay, user_id: int, day: date) -> set[int]:
        """Take back the hours the member planned for ``day``; those hours. Stamped no
        earlier than the plans it takes back: they were said before this click, on
        whichever clock stamped them, and on the same instant taking back wins."""
        hours = guild.planned(day).get(user_id, set())
        if not hours:
            return set()
        said = [p.at for p in guild.plans.get(user_id, []) if p.day == day.isoformat()]
        now = max(self._clock.now(), *said)
        taken = [
            Plan(user_id=user_id, day=day.isoformat(), hour=h, cancelled=True, at=now)
            for h in sorted(hours)
        ]
        await self.ask(
            "telemetry", SetPlans(guild_id=guild.guild_id, user_id=user_id, plans=taken), PlansReply
        )
        kept = [p for p in guild.plans.get(user_id, []) if p.day != day.isoformat()]
        self.set_plans(guild.guild_id, user_id, kept)
        return hours

    async def set_maybes(
        self, guild_id: int, user_id: int, chosen: set[int], offered: set[int]
    ) -> None:
        """Make ``chosen`` the member's maybes among the ``offered`` hours of the current day
        (those not over); a maybe replaces an hour picked from a nudge, which was an in."""
        guild = self.guilds[guild_id]
        assert guild.day is not None
        day = guild.day
        unsure = guild.standing(user_id, MAYBE)
        picked = guild.standing(user_id, How.PICKED)
        for hour in sorted(offered):
            if (hour in chosen) != (hour in unsure):
                mark = MarkFacts(user_id=user_id, hour=hour, source=MAYBE, cancelled=hour in unsure)
                await self._mark(guild, day, mark)
            if hour in chosen and hour in picked:
                mark = MarkFacts(user_id=user_id, hour=hour, source=How.PICKED, cancelled=True)
                await self._mark(guild, day, mark)

    async def set_interest(
        self, guild_id: int, day: date, hour: int, user_id: int, *, interested: bool
    ) -> None:
        """The member is in ``hour`` of ``day`` from an "Interested" click, or no longer.

        A repeat of what is stored (a re-sent click) asks telemetry nothing; a mark that
        does reach it twice is one bit set twice in the member's row of the day.
        """
        guild = self.guilds.get(guild_id)
        if guild is None:
            return
        if guild.interest_seen is not None:
            guild.interest_seen.add((user_id, hour))
        if guild.day == day and (hour in guild.standing(user_id, How.INTERESTED)) == interested:
            return
        mark = MarkFacts(
            user_id=user_id, hour=hour, source=How.INTERESTED, cancelled=not interested
        )
        await self._mark(guild, day, mark)

    async def match_interest(self, guild: GuildDay, hour: int, users: set[int]) -> None:
        """Make the current day's ``interested`` marks of ``hour`` those of ``users``, as
        Discord lists them for the hour's event, save for the members whose click came in
        while the list was read (``interest_seen``): theirs is newer than the list."""
        assert guild.day is not None
        fresh = {user for user, seen in guild.interest_seen or () if seen == hour}
        marked = {
            m.user_id
            for m in guild.marks
            if m.hour == hour and m.source == How.INTERESTED and not m.cancelled
        }
        members = self._roster.guild(guild.guild_id).members
        wanted = {user for user in users if not _is_bot(members.get(user))}
        for user in sorted((wanted - marked) - fresh):
            await self.set_interest(guild.guild_id, guild.day, hour, user, interested=True)
        for user in sorted((marked - wanted) - fresh):
            await self.set_interest(guild.guild_id, guild.day, hour, user, interested=False)

    async def pick(self, guild_id: int, user_id: int, hour: int) -> None:
        """Put the member in ``hour`` of the current day, as picked from a nudge."""
        guild = self.guilds[guild_id]
        assert guild.day is not None
        await self._mark(guild, guild.day, MarkFacts(user_id=user_id, hour=hour, source=How.PICKED))

    # ------------------------------------------------------------- the text

    def lines(self, guild: GuildDay) -> list[HourLine]:
        """Who is in each hour of the current message, from the state now.

        The message's text, the reminders and the calls all read it after each change:
        it is worked out once per change of the day, its marks, window, schedules,
        absences or plans (each replaced, never changed in place, so identity tells).
        """
        assert guild.day is not None
        drawn = guild.drawn
        window = guild.window
        if (
            drawn is not None
            and drawn.day == guild.day
            and drawn.marks is guild.marks
            and drawn.window is window
            and drawn.schedules is guild.schedules
            and drawn.absences is guild.absences
            and drawn.plans is guild.plans
        ):
            return drawn.lines
        slots = guild.slots()
        scheduled = {u: guild.counted(u, guild.day, slots) for u in guild.schedules}
        lines = attendance(slots, guild.marks, scheduled, guild.planned(guild.day))
        guild.drawn = Drawn(
            guild.day, guild.marks, window, guild.schedules, guild.absences, guild.plans, lines
        )
        return lines

    def guild_name(self, guild_id: int) -> str:
        """The guild's name, as the gateway last told it."""
        return self._roster.guild(guild_id).name or "your server"

    def member_ids(self, guild_id: int) -> set[int]:
        """The guild's members (not bots), as the gateway last told them."""
        members = self._roster.guild(guild_id).members
        return {user for user, facts in members.items() if not facts.bot}

    def member_name(self, guild_id: int, user_id: int) -> str:
        """A member's display name, as the gateway last told it."""
        return self._roster.guild(guild_id).label(user_id, {})[1]

    def text(self, guild: GuildDay) -> str:
        """The current message's text, from the state now."""
        assert guild.day is not None
        config = guild.config
        lines = self.lines(guild)
        view = self._roster.guild(guild.guild_id)
        return daily_text(
            guild.day,
            lines,
            lambda user: view.label(user, config.rank_emoji),
            timezone=guild.window.timezone,
        )

    def _touch(self, guild: GuildDay) -> None:
        if guild.coalescer is not None and guild.message_id:
            guild.coalescer.poke()
        self.on_change(guild.guild_id)

    async def _flush(self, guild: GuildDay) -> bool:
        """Edit the message if its text changed; False to be called again later."""
        if not guild.message_id or guild.day is None:
            return True
        text = self.text(guild)
        if text == guild.shown:
            return True
        try:
            await self.ask(
                "gateway",
                EditMessage(
                    channel_id=guild.channel_id,
                    message_id=guild.message_id,
                    content=text,
                    components=DAY_BUTTONS,
                ),
                MessageSent,
            )
        except RemoteError as error:
            if error.code == UNKNOWN_MESSAGE:
                log.warning("guild %d: the daily message was deleted", guild.guild_id)
                guild.message_id = 0
                return True
            log.warning("guild %d: could not edit the daily message: %s", guild.guild_id, error)
            return False
        except RequestTimeout as error:
            log.log(log_level(error), "guild %d: %s", guild.guild_id, error)
            return False
        guild.shown = text
        log.debug(
            "guild %d: the daily message now shows %d marks", guild.guild_id, len(guild.marks)
        )
        return True


def _posted_with(config: GuildConfig, window: PostWindow | None) -> GuildConfig:
    """The configuration whose hours a posted message shows: the window it was posted with
    (kept with the post), else, for a post recorded before windows were kept, today's."""
    if window is None:
        return config
    return msgspec.structs.replace(
        config,
        timezone=window.timezone,
        window_start=window.window_start,
        window_hours=window.window_hours,
        hour_emoji=window.hour_emoji,
    )


def _is_day(day: date, state: DayStateReply) -> bool:
    return day.isoformat() == state.date


def _is_bot(member: MemberFacts | None) -> bool:
    return member is not None and member.bot

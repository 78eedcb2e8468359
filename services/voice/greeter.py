"""Deciding to greet, and greeting: join, say who is expected, leave.

A member who joins a counted voice channel and finds nobody there is greeted when the guild
has greetings on and someone is expected this hour or the next. The same member is not
greeted again within the cool-down (in any channel), a guild has one greeting at a time,
and a greeting stops (and the bot leaves) as soon as the member leaves the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import nextcord

from bus.client import BusClient
from bus.clock import Clock
from bus.errors import BusError
from bus.protocol import (
    AbsencesReply,
    DayStateReply,
    GetAbsences,
    GetDayState,
    GetGuildConfig,
    GetSchedules,
    GuildConfigReply,
    MarkFacts,
    SchedulesReply,
    VoiceChanged,
)
from bus.tasks import TaskSet
from services.voice import sentence
from services.voice.connection import (
    CALL_TERMINATED,
    CLOSE_REASONS,
    DAVE_REQUIRED,
    RATE_LIMITED,
    GreetingVoiceClient,
)
from services.voice.expected import expected, this_and_next_hour, window_hour
from services.voice.facts import Facts
from services.voice.speech import SpeechError, Voice, synthesise

log = logging.getLogger(__name__)

PCM_BYTES_PER_SECOND = 48_000 * 2 * 2
PLAYBACK_MARGIN = 10.0
LEAVE_TIMEOUT = 10.0
ASK_TIMEOUT = 2.0
ENCRYPT_TIMEOUT = 2.0
"""Seconds to wait after joining for the DAVE handshake, before giving up rather than speak
in plain (Discord's voice gateway executes a transition within about two seconds)."""


@dataclass(eq=False, slots=True)
class Greeting:
    """One greeting under way."""

    guild_id: int
    channel_id: int
    user_id: int
    member_left: asyncio.Event = field(default_factory=asyncio.Event)


class Greeter:
    """Turns voice joins (from the bus) into spoken greetings on the voice session."""

    def __init__(
        self,
        bus: BusClient,
        facts: Facts,
        client: nextcord.Client,
        voice: Voice,
        *,
        cooldown: float,
        connect_timeout: float,
        clock: Clock,
        tasks: TaskSet,
    ) -> None:
        self.bus = bus
        self.facts = facts
        self.client = client
        self.voice = voice
        self.cooldown = cooldown
        self.connect_timeout = connect_timeout
        self.clock = clock
        self.tasks = tasks
        self.outcomes: Counter[str] = Counter()
        """How each considered join ended: ``greeted``, ``nobody_expected``, ``cooldown``..."""
        self.decided = asyncio.Event()
        """Set (and replaced) whenever a join has been decided, for whoever waits on outcomes."""
        self._greeting: dict[int, Greeting] = {}  # guild id -> the greeting under way
        self._last_greeted: dict[tuple[int, int], float] = {}  # (guild, member) -> when
        self._refused: set[tuple[int, int]] = set()
        self.dave_refused = False
        """Discord closed a connection with 4017: this install cannot speak DAVE."""

    # -------------------------------------------------------------- deciding

    def voice_changed(self, event: VoiceChanged) -> None:
        """A voice event from the bus, after the facts took it in."""
        user, channel = event.member.user_id, event.after.channel_id
        current = self._greeting.get(event.guild_id)
        if current is not None and current.user_id == user and channel != current.channel_id:
            current.member_left.set()
        if event.member.bot or not channel or channel == event.before_channel_id:
            return
        if self.facts.guild(event.guild_id).people_in(channel) != {user}:
            return
        if current is not None:
            self._decide("busy")
            return
        last = self._last_greeted.get((event.guild_id, user))
        if last is not None and self.clock.now() - last < self.cooldown:
            self._decide("cooldown")
            return
        greeting = Greeting(event.guild_id, channel, user)
        self._greeting[event.guild_id] = greeting
        self.tasks.spawn(self._greet(greeting), name=f"voice.greet.{event.guild_id}")

    def _decide(self, outcome: str) -> None:
        self.outcomes[outcome] += 1
        decided, self.decided = self.decided, asyncio.Event()
        decided.set()

    async def _greet(self, greeting: Greeting) -> None:
        outcome = "failed"
        try:
            outcome = await self._consider(greeting)
        finally:
            self._greeting.pop(greeting.guild_id, None)
            self._decide(outcome)

    async def _consider(self, greeting: Greeting) -> str:
        try:
            text = await self._sentence(greeting)
        except BusError as error:
            log.warning("cannot decide a greeting in guild %d: %s", greeting.guild_id, error)
            return "no_facts"
        if text is None:
            return "nobody_expected"
        now = self.clock.now()
        # The same person is not greeted again within the cool-down, in whichever channel.
        self._last_greeted = {
            key: at for key, at in self._last_greeted.items() if now - at < self.cooldown
        }
        self._last_greeted[greeting.guild_id, greeting.user_id] = now
        log.info(
            "greeting in guild %d, channel %d: %s", greeting.guild_id, greeting.channel_id, text
        )
        try:
            pcm = await synthesise(text, self.voice)
        except SpeechError as error:
            log.warning("cannot say a greeting in guild %d: %s", greeting.guild_id, error)
            return "speech_failed"
        if greeting.member_left.is_set():
            return "member_left"
        return await self._play(greeting, pcm)

    async def _sentence(self, greeting: Greeting) -> str | None:
        """The sentence for this greeting, or None when the guild does not want one."""
        guild_id = greeting.guild_id
        config = (
            await self.bus.request(
                "telemetry",
                GetGuildConfig(guild_id=guild_id),
                expect=GuildConfigReply,
                timeout=ASK_TIMEOUT,
            )
        ).config
        if not config.greetings or greeting.channel_id not in config.voice_channel_ids:
            return None
        now = self.clock.now()
        hours = this_and_next_hour(now, config)
        if not hours:
            return None
        schedules = await self.bus.request(
            "telemetry", GetSchedules(guild_id=guild_id), expect=SchedulesReply, timeout=ASK_TIMEOUT
        )
        # From the day before the first hour's: an absence is read on its own zone's
        # calendar, which may be a day behind the community's.
        since = (min(h.day for h in hours) - timedelta(days=1)).isoformat()
        absences = await self.bus.request(
            "telemetry",
            GetAbsences(guild_id=guild_id, since=since),
            expect=AbsencesReply,
            timeout=ASK_TIMEOUT,
        )
        marks: dict[date, list[MarkFacts]] = {}
        for day in {h.day for h in hours}:
            state = await self.bus.request(
                "telemetry",
                GetDayState(guild_id=guild_id, date=day.isoformat()),
                expect=DayStateReply,
                timeout=ASK_TIMEOUT,
            )
            marks[day] = state.marks
        who = expected(hours, schedules.schedules, marks, absences.absences)
        facts = self.facts.guild(guild_id)
        names: dict[int, str] = {}
        for user in set().union(*who.values()):
            member = facts.members.get(user)
            if user != greeting.user_id and member is not None and not member.bot:
                names[user] = member.display_name
        greeted = facts.name(greeting.user_id) or "there"
        return sentence.greeting(greeted, hours, who, names, now=window_hour(now, config))

    # --------------------------------------------------------------- playing

    async def _play(self, greeting: Greeting, pcm: bytes) -> str:
        guild = self.client.get_guild(greeting.guild_id)
        channel = guild.get_channel(greeting.channel_id) if guild is not None else None
        if guild is None or not isinstance(channel, nextcord.VoiceChannel):
            log.warning("voice channel %d is unknown to the voice session", greeting.channel_id)
            return "unknown_channel"
        allowed = channel.permissions_for(guild.me)
        if not (allowed.connect and allowed.speak):
            if (guild.id, channel.id) not in self._refused:
                self._refused.add((guild.id, channel.id))
                log.warning(
                    "missing Connect or Speak permission in voice channel %s (%d) of guild %d:"
                    " no greetings there until it is granted",
                    channel.name,
                    channel.id,
                    guild.id,
                )
            return "no_permission"
        self._refused.discard((guild.id, channel.id))
        if self.dave_refused:
            return "dave_required"
        if guild.voice_client is not None:
            await guild.voice_client.disconnect(force=True)
        try:
            connection = await channel.connect(
                timeout=self.connect_timeout, reconnect=False, cls=GreetingVoiceClient
            )
        except nextcord.ConnectionClosed as closed:
            if guild.voice_client is not None:  # nextcord leaves the half-open connection
                async with asyncio.timeout(LEAVE_TIMEOUT):
                    await guild.voice_client.disconnect(force=True)
            return self._closed(closed.code, channel.id)
        except (TimeoutError, nextcord.ClientException, OSError) as error:
            log.warning("cannot join voice channel %d: %r", channel.id, error)
            return "connect_failed"
        try:
            return await self._speak(connection, greeting, pcm)
        finally:
            connection.stop()
            async with asyncio.timeout(LEAVE_TIMEOUT):
                await connection.disconnect(force=True)

    def _closed(self, code: int, channel_id: int) -> str:
        """Discord closed the voice connection: say why once, and never reconnect."""
        reason = CLOSE_REASONS.get(code)
        if code == DAVE_REQUIRED:
            if not self.dave_refused:
                self.dave_refused = True
                log.error(
                    "Discord refused voice (close code %d, %s): this install cannot speak"
                    " DAVE, Discord's voice encryption (is dave.py installed? see the README);"
                    " voice greetings are off until the voice service restarts",
                    code,
                    reason,
                )
            return "dave_required"
        if code in (RATE_LIMITED, CALL_TERMINATED):
            log.warning(
                "Discord closed voice in channel %d (close code %d, %s): not reconnecting",
                channel_id,
                code,
                reason,
            )
            return "rate_limited" if code == RATE_LIMITED else "call_terminated"
        log.warning("Discord closed voice in channel %d (close code %d)", channel_id, code)
        return "connect_failed"

    async def _speak(self, connection: GreetingVoiceClient, greeting: Greeting, pcm: bytes) -> str:
        if not await connection.wait_encrypting(ENCRYPT_TIMEOUT):
            if connection.closed.is_set() and connection.close_code is not None:
                return self._closed(connection.close_code, greeting.channel_id)
            log.warning(
                "no end-to-end encryption %g s after joining voice channel %d: not greeting"
                " rather than speak in plain",
                ENCRYPT_TIMEOUT,
                greeting.channel_id,
            )
            return "no_e2ee"
        loop = asyncio.get_running_loop()
        finished = asyncio.Event()

        def after(error: Exception | None) -> None:
            if error is not None:
                log.warning("the greeting's playback failed: %r", error)
            with contextlib.suppress(RuntimeError):  # a closed loop: the process is stopping
                loop.call_soon_threadsafe(finished.set)

        connection.play(nextcord.PCMAudio(io.BytesIO(pcm)), after=after)
        waits = {
            asyncio.ensure_future(finished.wait()),
            asyncio.ensure_future(greeting.member_left.wait()),
            asyncio.ensure_future(connection.closed.wait()),
        }
        try:
            await asyncio.wait(
                waits,
                timeout=len(pcm) / PCM_BYTES_PER_SECOND + PLAYBACK_MARGIN,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waits:
                waiter.cancel()
        if greeting.member_left.is_set():
            log.info("member %d left during their greeting: stopping", greeting.user_id)
            return "member_left"
        if connection.close_code is not None:
            return self._closed(connection.close_code, greeting.channel_id)
        return "greeted" if finished.is_set() else "playback_timeout"

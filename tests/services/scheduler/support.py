"""The scheduler end to end: the emulator, the real gateway, telemetry and the scheduler in-process.

The scheduler's clock is a ``ManualClock`` the test moves; everything else runs in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import (
    Interaction,
    InteractionAnswer,
    InteractionKind,
    InteractionResponse,
    MemberFacts,
)
from emulator import Emulator
from emulator.rules.options import OptionValue
from emulator.rules.state import Member
from emulator.simulator.driver import Outcome
from emulator.simulator.seen import SeenMessage
from services.scheduler.service import RETRY, Scheduler
from services.telemetry.database import connect
from services.telemetry.service import Telemetry
from tests.emulator.support import Community, reactions_at_once, small_community
from tests.helpers import eventually
from tests.services.gateway.support import running_gateway
from tests.services.inprocess import STEP, running

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_EVENING = datetime(2026, 3, 10, 17, 30, tzinfo=PARIS).timestamp()


class ManualClock:
    """A clock that moves only when the test says so."""

    def __init__(self, start: float) -> None:
        self.t = start
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self.t

    def real_delay(self, instant: float) -> float:
        return math.inf  # it moves only when the test says so

    def advance(self, seconds: float) -> None:
        """Move time forward, waking whoever sleeps."""
        self.t += seconds
        self._moved.set()
        self._moved = asyncio.Event()

    def set(self, at: float) -> None:
        self.advance(at - self.t)

    async def sleep_until(self, target: float, wake: asyncio.Event) -> None:
        while self.t < target and not wake.is_set():
            waiters = {
                asyncio.ensure_future(self._moved.wait()),
                asyncio.ensure_future(wake.wait()),
            }
            _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in pending:
                waiter.cancel()


class EmulatorTime:
    """The emulator's clock following a ManualClock, so that Discord's "when" (a message's
    timestamp, an event's start "not in the past") agrees with the scheduler's. Between two
    moves it runs on in real time (never backwards), as Discord's clock would."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock
        self._base = (clock.t, time.monotonic())
        self._last = clock.t

    def now(self) -> datetime:
        if self._clock.t != self._base[0]:
            self._base = (self._clock.t, time.monotonic())
        moment = self._base[0] + time.monotonic() - self._base[1]
        self._last = max(self._last, moment)
        return datetime.fromtimestamp(self._last, UTC)


@dataclass
class World:
    """A running community with the whole bot."""

    emu: Emulator
    town: Community
    clock: ManualClock
    scheduler: Scheduler
    endpoints: Endpoints
    data: Path
    retry: float = RETRY

    async def slash(
        self,
        member: Member,
        command: str,
        options: Mapping[str, OptionValue] | None = None,
    ) -> Outcome:
        """Run a slash command in the text channel; fail the test if the member saw no answer."""
        outcome = await self.emu.driver.slash(member, self.town.text, command, options)
        assert not outcome.failed, outcome.error
        return outcome

    async def say(self, who: Member, command: str, /, **options: OptionValue) -> str:
        """The text of the (private) answer to a slash command, once it is there: on a busy
        machine the gateway defers after 2 s and edits the answer in later, as on Discord."""
        outcome = await self.slash(who, command, options)
        assert outcome.message is not None
        if outcome.message.loading:
            return (await self.emu.driver.settle(outcome, timeout=STEP)).content
        return outcome.message.content

    async def configure(self, **settings: OptionValue) -> None:
        """Set up the daily message as an admin, posting when the channel is set last."""
        admin = self.town.admin
        town = self.town
        await self.say(admin, "config timezone", zone=str(settings.get("zone", "Europe/Paris")))
        # The time first: a window is refused when the post time would come after it.
        await self.say(admin, "config time", time=str(settings.get("time", "12:00")))
        await self.say(
            admin,
            "config window",
            start=settings.get("start", 18),
            hours=settings.get("hours", 4),
        )
        await self.say(admin, "config channel", channel=town.text.id)

    def daily(self) -> SeenMessage | None:
        """The newest daily message as members see it, if any."""
        found = [
            m
            for m in self.emu.driver.messages(self.town.text, self.town.alice)
            if m.content.startswith("## Who plays today?")
            and m.author_id != self.town.alice.user_id
        ]
        return found[-1] if found else None

    async def daily_posted(self) -> SeenMessage:
        """Wait for a daily message with all its hour reactions."""
        await self.until(lambda: self.daily() is not None, "the daily message")
        return self.posted()

    def posted(self) -> SeenMessage:
        """The current daily message; the test fails when there is none."""
        found = self.daily()
        assert found is not None
        return found

    async def daily_says(self, *parts: str, timeout: float = STEP) -> SeenMessage:
        """Wait until the daily message contains every one of ``parts``."""
        await self.until(
            lambda: (m := self.daily()) is not None and all(p in m.content for p in parts),
            f"the daily message to say {parts}",
            timeout,
        )
        return self.posted()

    @contextlib.asynccontextmanager
    async def scheduler_running(self) -> AsyncIterator[Scheduler]:
        """A fresh scheduler (a restarted process) until the block ends."""
        self.scheduler = Scheduler(self.clock, retry=self.retry)
        async with running(self.scheduler, self.endpoints, self.data):
            await _commands_registered(self.emu)
            yield self.scheduler

    async def until(self, condition: Callable[[], bool], what: str, timeout: float = STEP) -> None:
        """Wait for ``condition``; ``timeout`` only bounds the wait (work of a size that a
        busy machine takes longer over asks for more than a step)."""
        await eventually(condition, timeout, what)

    async def relay(
        self,
        *,
        kind: InteractionKind = "component",
        member: Member | None = None,
        permissions: int = 0,
        guild_id: int | None = None,
        command: str = "",
        options: dict[str, str] | None = None,
        custom_id: str = "",
        values: list[str] | None = None,
        message_id: int = 0,
    ) -> InteractionResponse:
        """Send the scheduler an interaction directly, as a tampered client could make Discord
        do (default: Alice, in the text channel); its answer."""
        who = member or self.town.alice
        interaction = Interaction(
            kind=kind,
            interaction_id=1,
            guild_id=self.town.guild.id if guild_id is None else guild_id,
            channel_id=self.town.text.id,
            member=MemberFacts(user_id=who.user_id, display_name="member", permissions=permissions),
            command=command,
            options=options or {},
            custom_id=custom_id,
            values=values or [],
            message_id=message_id,
        )
        async with self.peer() as bus:
            answer = await bus.request(
                "scheduler", interaction, expect=InteractionAnswer, timeout=STEP
            )
        return answer.response

    @contextlib.asynccontextmanager
    async def peer(self) -> AsyncIterator[BusClient]:
        """Another client on the bus, to talk to the services directly."""
        client = BusClient("test-peer", self.endpoints)
        await client.start(timeout=STEP)
        try:
            yield client
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def world(
    endpoints: Endpoints,
    data: Path,
    *,
    start: float = TUESDAY_EVENING,
    scheduler: bool = True,
    crowd: int = 0,
    discord_follows: bool = False,
    history: Callable[[Emulator, Community, sqlite3.Connection], None] | None = None,
    paced_reactions: bool = False,
    retry: float = RETRY,
) -> AsyncIterator[World]:
    """The emulator with a small community, and the gateway, telemetry and scheduler on the bus.

    With ``scheduler=False`` the test starts (and restarts) schedulers with
    ``World.scheduler_running``. ``crowd`` more members (``m00000``...) join the guild
    before the bot logs in. With ``discord_follows`` the emulator's clock follows the test's
    (for what Discord checks against its own time, such as an event's start). ``history``
    writes what telemetry knows before it starts (past voice sessions, say), and may add
    members. The bot adds its reactions at once (``reactions_at_once``) unless
    ``paced_reactions`` asks for Discord's pace, a second each through nextcord. ``retry``
    is the scheduler's pause before it tries again what was refused (real seconds).
    """
    clock = ManualClock(start)
    config = None if paced_reactions else reactions_at_once()
    async with Emulator(config, clock=EmulatorTime(clock) if discord_follows else None) as emu:
        town = small_community(emu)
        for n in range(crowd):
            emu.driver.add_member(town.guild, f"m{n:05d}")
        if history is not None:
            with contextlib.closing(connect(data / "telemetry.db")) as connection:
                history(emu, town, connection)
        async with (
            running(Telemetry(data / "telemetry.db"), endpoints, data),
            running_gateway(emu, endpoints, data),
        ):
            w = World(emu, town, clock, Scheduler(clock, retry=retry), endpoints, data, retry)
            if not scheduler:
                yield w
                return
            async with w.scheduler_running():
                yield w


async def _commands_registered(emu: Emulator) -> None:
    await eventually(
        lambda: "config" in {c.name for c in emu.world.commands.values()},
        STEP,
        "the scheduler's commands",
    )

"""The voice service end to end: the emulator (with its voice server), the real gateway,
telemetry and the voice service, all in this process.

The community lives in Paris and plays from 18:00 for four hours; the voice service's clock
is a settable instant (Tuesday 10 March 2026, 17:30 by default), everything else is real time.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import (
    GuildConfig,
    GuildConfigReply,
    MemberSchedule,
    SchedulesReply,
    SetGuildConfig,
    SetSchedule,
    WeeklySlot,
)
from emulator import Emulator
from emulator.rules.state import Channel, Member
from emulator.voice.hearing import Heard
from services.telemetry.service import Telemetry
from services.voice.config import VoiceConfig
from services.voice.service import Voice
from tests.emulator.support import Community, small_community
from tests.helpers import eventually
from tests.services.gateway.support import running_gateway
from tests.services.inprocess import STEP, running

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = 1
TUESDAY_EVENING = datetime(2026, 3, 10, 17, 30, tzinfo=PARIS).timestamp()


@dataclass
class Clock:
    """The voice service's clock: an instant the test sets."""

    t: float = TUESDAY_EVENING

    def now(self) -> float:
        return self.t


@dataclass
class Town:
    """A running community with the gateway, telemetry and the voice service."""

    emu: Emulator
    town: Community
    carol: Member
    lounge: Channel
    voice: Voice
    clock: Clock
    peer: BusClient
    config: GuildConfig = field(init=False)

    @property
    def guild_id(self) -> int:
        return self.town.guild.id

    def heard(self, channel: Channel | None = None) -> Heard:
        """What the emulated voice server heard in ``channel`` (the Lobby by default)."""
        return self.emu.voice.heard(self.guild_id, (channel or self.town.voice).id)

    def bot_in_voice(self) -> bool:
        return self.emu.bot_id in self.emu.world.guild(self.guild_id).voice_states

    def outcomes(self, outcome: str) -> int:
        assert self.voice.greeter is not None
        return self.voice.greeter.outcomes[outcome]

    async def decided(self, outcome: str, count: int = 1) -> None:
        """Wait until ``count`` joins have been decided with ``outcome``."""
        await self.until(lambda: self.outcomes(outcome) >= count, f"{count} x {outcome}")

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        await eventually(condition, STEP, what)

    async def configure(self, **changes: object) -> None:
        """Greetings on, the Lobby and the Lounge counted, Paris, 18:00 for 4 hours."""
        base = GuildConfig(
            guild_id=self.guild_id,
            timezone="Europe/Paris",
            window_start=18,
            window_hours=4,
            voice_channel_ids=[self.town.voice.id, self.lounge.id],
            greetings=True,
        )
        values = {f: getattr(base, f) for f in base.__struct_fields__} | changes
        self.config = GuildConfig(**values)
        await self.peer.request(
            "telemetry", SetGuildConfig(config=self.config), expect=GuildConfigReply
        )

    async def schedule(self, member: Member, *hours: int, weekday: int = TUESDAY) -> None:
        """``member`` usually plays these local hours on ``weekday``."""
        slots = [WeeklySlot(weekday=weekday, hour=h) for h in hours]
        await self.peer.request(
            "telemetry",
            SetSchedule(
                guild_id=self.guild_id,
                schedule=MemberSchedule(user_id=member.user_id, slots=slots),
            ),
            expect=SchedulesReply,
        )


def voice_config(emu: Emulator, **overrides: object) -> VoiceConfig:
    """The voice service's settings against ``emu``, trusting its voice certificate."""
    values: dict[str, object] = {
        "token": emu.token,
        "api_base": emu.api_url,
        "ca_file": str(emu.voice.certificate.cert_file),
        "guild_ready_timeout": 0.1,
        "connect_timeout": STEP,
        "cooldown": 600.0,
        "identify_window": 0.05,  # as the gateway's in tests (its support says why)
    } | overrides
    return VoiceConfig(**values)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def town(endpoints: Endpoints, data: Path, **overrides: object) -> AsyncIterator[Town]:
    """Everything running and configured (greetings on); ``overrides`` tune the voice service."""
    clock = Clock()
    async with Emulator() as emu:
        community = small_community(emu)
        carol = emu.driver.add_member(community.guild, "carol", global_name="Carol")
        lounge = emu.driver.add_voice_channel(community.guild, "Lounge")
        voice = Voice(voice_config(emu, **overrides), clock=clock)
        async with (
            running(Telemetry(data / "telemetry.db"), endpoints, data),
            running_gateway(emu, endpoints, data),
            running(voice, endpoints, data),
        ):
            await eventually(voice.ready.is_set, STEP, "the voice session")
            peer = BusClient("test-peer", endpoints)
            await peer.start(timeout=STEP)
            try:
                world = Town(emu, community, carol, lounge, voice, clock, peer)
                await world.configure()
                yield world
            finally:
                await peer.close()

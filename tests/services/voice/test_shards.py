"""The voice service shards as the gateway does, and both share the bot's IDENTIFY buckets."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

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
from emulator import Emulator, EmulatorConfig
from emulator.gateway.shards import ShardingConfig, shard_of
from services.telemetry.service import Telemetry
from services.voice.greeter import Greeter
from services.voice.service import Voice
from tests.emulator.support import Community, small_community
from tests.helpers import eventually
from tests.services.gateway.support import running_gateway
from tests.services.inprocess import STEP, running
from tests.services.voice.support import TUESDAY, Clock, voice_config

SHARDS = 3
GATE_WINDOW = 1.0
"""The emulator's IDENTIFY window; the programs pace with a little more. A whole second, so
that the voice service's first IDENTIFY falls inside the window of the gateway's last one
(which the gateway's own start, 0.1 s of waiting for guilds, does not outlast): the voice
service must find that IDENTIFY in the shared ledger and wait, or be refused."""
PACER_WINDOW = 1.05


def _one_guild_per_shard(emu: Emulator) -> list[Community]:
    """Communities until every shard holds one; the first of each shard, in shard order."""
    found: dict[int, Community] = {}
    for _ in range(60):
        community = small_community(emu)
        found.setdefault(shard_of(community.guild.id, SHARDS), community)
        if len(found) == SHARDS:
            return [found[shard] for shard in range(SHARDS)]
    raise AssertionError("60 guilds and still a shard without one")


async def _greetings_on(peer: BusClient, community: Community) -> None:
    """Greetings on in the Lobby, Paris, 18:00 for 4 hours; Bob due at 18:00."""
    guild_id = community.guild.id
    config = GuildConfig(
        guild_id=guild_id,
        timezone="Europe/Paris",
        window_start=18,
        window_hours=4,
        voice_channel_ids=[community.voice.id],
        greetings=True,
    )
    await peer.request("telemetry", SetGuildConfig(config=config), expect=GuildConfigReply)
    schedule = MemberSchedule(
        user_id=community.bob.user_id, slots=[WeeklySlot(weekday=TUESDAY, hour=18)]
    )
    await peer.request(
        "telemetry", SetSchedule(guild_id=guild_id, schedule=schedule), expect=SchedulesReply
    )


@contextlib.asynccontextmanager
async def _fleet(
    emu: Emulator, endpoints: Endpoints, data: Path
) -> AsyncIterator[tuple[Voice, BusClient]]:
    """Telemetry, the gateway and the voice service, both sharded in three."""
    voice = Voice(voice_config(emu, shards=SHARDS, identify_window=PACER_WINDOW), clock=Clock())
    async with (
        running(Telemetry(data / "telemetry.db"), endpoints, data),
        running_gateway(emu, endpoints, data, shards=SHARDS, identify_window=PACER_WINDOW),
        running(voice, endpoints, data),
    ):
        await eventually(voice.ready.is_set, STEP, "the voice sessions")
        peer = BusClient("test-peer", endpoints)
        await peer.start(timeout=STEP)
        try:
            yield voice, peer
        finally:
            await peer.close()


def _greeted_and_gone(
    emu: Emulator, greeter: Greeter, count: int, guild_id: int
) -> Callable[[], bool]:
    """Whether ``count`` greetings are done and the bot has left the guild's voice."""
    return lambda: (
        greeter.outcomes["greeted"] >= count
        and emu.bot_id not in emu.world.guild(guild_id).voice_states
    )


def _voice_server_shards(emu: Emulator, guild_id: int) -> list[tuple[int, int]]:
    """The shards of the sessions that were told where the guild's voice server is."""
    shards = []
    for session in emu.gateway.sessions.values():
        for _, frame in session.backlog:
            data = json.loads(frame)
            if data["t"] == "VOICE_SERVER_UPDATE" and int(data["d"]["guild_id"]) == guild_id:
                shards.append(session.shard)
    return shards


async def test_the_voice_service_greets_a_guild_on_each_of_three_shards(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Three shards for both programs: the bot is heard in a guild of each shard, through
    that shard's voice session; every IDENTIFY of both programs came in its bucket's turn."""

    sharding = ShardingConfig(max_concurrency=2, identify_window=GATE_WINDOW)
    async with Emulator(EmulatorConfig(sharding=sharding)) as emu:
        communities = _one_guild_per_shard(emu)
        async with _fleet(emu, endpoints, short_tmp) as (voice, peer):
            greeter = voice.greeter
            assert greeter is not None
            assert sorted(s.shard for s in emu.gateway.live_sessions) == [
                (shard, SHARDS) for shard in range(SHARDS) for _ in ("gateway", "voice")
            ]
            for greeted, community in enumerate(communities, start=1):
                await _greetings_on(peer, community)
                await emu.driver.join_voice(community.alice, community.voice)
                await eventually(
                    _greeted_and_gone(emu, greeter, greeted, community.guild.id),
                    STEP,
                    f"the greeting in guild {greeted}",
                )
                heard = emu.voice.heard(community.guild.id, community.voice.id)
                assert heard.voiced_seconds >= 1.5
                shard = shard_of(community.guild.id, SHARDS)
                assert set(_voice_server_shards(emu, community.guild.id)) == {(shard, SHARDS)}
    gate = emu.gateway.identify_gate
    assert gate.refused == 0
    assert len(gate.admitted) == 2 * SHARDS
    for bucket in range(sharding.max_concurrency):
        times = [at for shard, at in gate.admitted if shard % sharding.max_concurrency == bucket]
        assert all(b - a >= GATE_WINDOW for a, b in itertools.pairwise(times))

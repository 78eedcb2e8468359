"""The gateway shards as Discord requires: the recommended count, paced by max_concurrency."""

from __future__ import annotations

import json
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import GuildSnapshot
from emulator import Emulator, EmulatorConfig
from emulator.shards import ShardingConfig, shard_of
from emulator.state import Guild
from tests.services.gateway.support import peer, running_gateway


def _emulator(**knobs: int | float) -> Emulator:
    return Emulator(EmulatorConfig(sharding=ShardingConfig(**knobs)))  # type: ignore[arg-type]


def _guilds(emu: Emulator, count: int) -> list[Guild]:
    guilds = [emu.driver.add_guild(f"guild {i}") for i in range(count)]
    for guild in guilds:
        emu.driver.add_member(guild, "alice")
    return guilds


def _events_off_their_shard(emu: Emulator) -> list[str]:
    """Dispatches a session received for a guild of another shard."""
    wrong = []
    for session in emu.gateway.sessions.values():
        for _, frame in session.backlog:
            data = json.loads(frame)["d"]
            guild_id = data.get("guild_id") or (data.get("id") if data.get("channels") else None)
            if guild_id is not None and not session.serves(int(guild_id)):
                wrong.append(f"{json.loads(frame)['t']} of {guild_id} on {session.shard}")
    return wrong


async def test_three_shards_serve_thirty_guilds_paced_by_max_concurrency(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """30 guilds, Discord recommending 3 shards with max_concurrency 1: every guild announced,
    each guild's events on its shard only, and no IDENTIFY refused for coming too soon."""

    async with _emulator(guilds_per_shard=10, max_concurrency=1, identify_window=0.2) as emu:
        guilds = _guilds(emu, 30)
        async with (
            peer(endpoints) as seen,
            running_gateway(emu, endpoints, short_tmp, identify_window=0.4),
        ):
            snapshots = await seen.wait_for(GuildSnapshot, count=30)
            assert {s.guild_id for s in snapshots} == {g.id for g in guilds}
            assert sorted(s.shard for s in emu.gateway.live_sessions) == [(0, 3), (1, 3), (2, 3)]
            for guild in guilds:
                emu.driver.add_member(guild, "bob")
            await emu.driver.wait_until(
                lambda: sum(len(s.backlog) for s in emu.gateway.sessions.values()) >= 3 + 60,
                timeout=10,
            )
        assert emu.gateway.identify_gate.refused == 0
        assert _events_off_their_shard(emu) == []
        assert {shard_of(g.id, 3) for g in guilds} == {0, 1, 2}

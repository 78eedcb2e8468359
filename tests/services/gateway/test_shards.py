"""The gateway shards as Discord requires: 4011, 4010, max_concurrency, member chunks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import GuildSnapshot
from emulator import Emulator, EmulatorConfig
from emulator.gateway.sessions import GatewaySession
from emulator.gateway.shards import ShardingConfig, shard_of
from emulator.rules.jsontypes import JSONObject
from emulator.rules.state import Guild
from services.gateway.shards import MembersRateLimited, retry_after_rate_limit
from services.runtime.service import EXIT_CONFIG
from tests.emulator.support import run
from tests.helpers import eventually
from tests.services.gateway.support import STEP, gateway_process, peer, running_gateway


def _emulator(**knobs: int | float) -> Emulator:
    return Emulator(EmulatorConfig(sharding=ShardingConfig(**knobs)))  # type: ignore[arg-type]


def _guilds(emu: Emulator, count: int) -> list[Guild]:
    guilds = [emu.driver.add_guild(f"guild {i}") for i in range(count)]
    for guild in guilds:
        emu.driver.add_member(guild, "alice")
    return guilds


def _events(session: GatewaySession, name: str) -> list[JSONObject]:
    """The payloads of the ``name`` dispatches ``session`` was sent."""
    frames = [json.loads(frame) for _, frame in session.backlog]
    return [f["d"] for f in frames if f["t"] == name]


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


async def test_a_session_told_4011_comes_back_sharded(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Set to one shard, the gateway meets 4011 and reconnects with Discord's count."""
    async with _emulator(max_guilds_per_session=8, guilds_per_shard=4, identify_window=0.05) as emu:
        guilds = _guilds(emu, 12)
        async with (
            peer(endpoints) as seen,
            running_gateway(emu, endpoints, short_tmp, shards=1, identify_window=0.1),
        ):
            snapshots = await seen.wait_for(GuildSnapshot, count=12)
            assert {s.guild_id for s in snapshots} == {g.id for g in guilds}
            assert sorted(s.shard for s in emu.gateway.live_sessions) == [(0, 3), (1, 3), (2, 3)]
        assert emu.gateway.identify_gate.refused == 0  # the reconnect paced as well


async def test_members_arrive_in_chunks_and_a_rate_limited_request_is_retried(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A guild past ``large_threshold`` comes without members: the gateway asks for them,
    meets RATE_LIMITED, asks again after the wait, and publishes the whole roster."""
    async with _emulator(member_request_window=0.2) as emu:
        [guild] = _guilds(emu, 1)
        for i in range(1_100):
            emu.driver.add_member(guild, f"m{i}")
        now = [0.0]
        limit = emu.gateway.member_limit
        limit.monotonic = lambda: now[0]  # the window lasts until the test moves this clock
        assert limit.retry_after(guild.id) == 0  # someone asked just now
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            await eventually(lambda: limit.limited >= 1, STEP, "a RATE_LIMITED answer")
            now[0] = 1.0  # the window is over: the next request is answered
            await seen.wait_for(GuildSnapshot, lambda s: len(s.members) == len(guild.members))
        chunks = [
            f for s in emu.gateway.sessions.values() for f in _events(s, "GUILD_MEMBERS_CHUNK")
        ]
        assert len(chunks) == 2  # 1,102 members: 1,000 and 102


async def test_an_invalid_shard_count_is_logged_once_and_ends_the_process(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A shard count Discord refuses (4010) is one error line and exit 2, no shard more tried."""
    async with _emulator(shard_multiple=2) as emu:
        _guilds(emu, 1)
        env = {"SQUADTIME_GATEWAY_SHARDS": "3"}
        process = await gateway_process(short_tmp, emu, emu.token, **env)
        raw, _ = await asyncio.wait_for(process.communicate(), 30)
    code, output = process.returncode or 0, raw.decode()
    assert code == EXIT_CONFIG
    errors = [line for line in output.splitlines() if " ERROR " in line]
    assert len(errors) == 1, errors
    assert "cannot start: Discord refused 3 shard(s) (close 4010, invalid shard)" in errors[0]
    assert "Shard ID 1 has sent the IDENTIFY payload" not in output  # refused once is enough


def test_a_rate_limited_member_request_is_asked_again_only_after_the_wait() -> None:
    """RATE_LIMITED's ``retry_after`` is waited out before the same request (same nonce) goes."""
    done: list[str] = []

    async def sleep(seconds: float) -> None:
        done.append(f"waited {seconds}")

    async def chunker(guild_id: int, nonce: str | None) -> None:
        done.append(f"asked for {guild_id} with {nonce}")

    data = {"opcode": 8, "retry_after": 12.5, "meta": {"guild_id": "42", "nonce": "n1"}}
    limited = MembersRateLimited.parse(data)
    assert limited is not None
    run(retry_after_rate_limit(limited, chunker, sleep))
    assert done == ["waited 12.5", "asked for 42 with n1"]


def test_a_rate_limited_event_about_something_else_is_not_a_member_request() -> None:
    """Only RATE_LIMITED for opcode 8 with a guild id is read as a member request."""
    assert MembersRateLimited.parse({"opcode": 3, "retry_after": 1, "meta": {}}) is None
    assert MembersRateLimited.parse({"opcode": 8, "retry_after": 1, "meta": {}}) is None
    assert (
        MembersRateLimited.parse({"opcode": 8, "retry_after": "x", "meta": {"guild_id": "1"}})
        is None
    )

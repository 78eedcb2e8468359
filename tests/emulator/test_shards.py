"""Sharding as Discord does it: routing, GET /gateway/bot, 4008/4010/4011, op 9, member chunks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
import nextcord

from emulator import Emulator, EmulatorConfig
from emulator.gateway.shards import ShardingConfig, shard_of
from emulator.rules.jsontypes import JSONObject, as_array, as_object
from emulator.rules.state import Guild
from tests.emulator.support import STEP, QuickClient, api, running
from tests.helpers import eventually


def _member_ids(payload: JSONObject) -> list[str]:
    return [
        str(as_object(as_object(m).get("user")).get("id")) for m in as_array(payload["members"])
    ]


def _config(**knobs: int | float) -> EmulatorConfig:
    return EmulatorConfig(sharding=ShardingConfig(**knobs))  # type: ignore[arg-type]


class RawSession:
    """A gateway connection driven frame by frame, as no library would."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, op: int, data: object) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))

    async def identify(self, emu: Emulator, **extra: object) -> None:
        await self.send(2, {"token": emu.token, "intents": 3, "properties": {}} | extra)

    async def next_frame(self) -> JSONObject | int:
        """The next frame, or the close code when the emulator closed the socket."""
        async with asyncio.timeout(STEP):
            message = await self.ws.receive()
        if message.type is aiohttp.WSMsgType.TEXT:
            frame: JSONObject = json.loads(message.data)
            return frame
        return self.ws.close_code or 0

    async def until(self, wanted: str) -> JSONObject:
        """The data of the next dispatch named ``wanted``."""
        while True:
            frame = await self.next_frame()
            assert isinstance(frame, dict), f"closed with {frame} before {wanted}"
            if frame.get("t") == wanted:
                data = frame["d"]
                assert isinstance(data, dict)
                return data


@contextlib.asynccontextmanager
async def raw_session(emu: Emulator) -> AsyncIterator[RawSession]:
    async with aiohttp.ClientSession() as http, http.ws_connect(emu.gateway_url) as ws:
        session = RawSession(ws)
        hello = await session.next_frame()
        assert isinstance(hello, dict)
        assert hello["op"] == 10
        yield session


def _guilds(emu: Emulator, count: int) -> list[Guild]:
    guilds = [emu.driver.add_guild(f"guild {i}") for i in range(count)]
    for guild in guilds:
        emu.driver.add_text_channel(guild, "general")
    return guilds


async def test_three_shards_each_get_only_their_guilds_events() -> None:
    """30 guilds over 3 shards: each shard holds its guilds and hears only their messages."""

    async with Emulator() as emu:
        guilds = _guilds(emu, 30)
        assert {shard_of(g.id, 3) for g in guilds} == {0, 1, 2}
        heard: dict[int, list[int]] = {0: [], 1: [], 2: []}
        async with contextlib.AsyncExitStack() as stack:
            for shard in range(3):
                client = QuickClient(
                    intents=nextcord.Intents.all(),
                    guild_ready_timeout=0.1,
                    shard_id=shard,
                    shard_count=3,
                )

                async def hear(message: nextcord.Message, shard: int = shard) -> None:
                    assert message.guild is not None
                    heard[shard].append(message.guild.id)

                client.add_listener(hear, "on_message")
                await stack.enter_async_context(running(emu, client))
                assert {g.id for g in client.guilds} == {
                    g.id for g in guilds if shard_of(g.id, 3) == shard
                }
            for guild in guilds:
                owner = emu.driver.owner(guild)
                [channel] = [c for c in emu.world.channels.values() if c.guild_id == guild.id]
                await emu.driver.say(owner, channel, "hello")
            await eventually(
                lambda: sum(map(len, heard.values())) == 30, STEP, "every guild's message heard"
            )
        for shard, seen in heard.items():
            assert sorted(seen) == sorted(g.id for g in guilds if shard_of(g.id, 3) == shard)


async def test_guild_ids_spread_over_creation_times() -> None:
    """A thousand guilds carry hundreds of creation times, so 16 shards all get some."""

    async with Emulator() as emu:
        guilds = [emu.driver.add_guild(f"g{i}") for i in range(1000)]
        assert len({g.id >> 22 for g in guilds}) > 900
        assert {shard_of(g.id, 16) for g in guilds} == set(range(16))


async def test_gateway_bot_recommends_shards_and_tells_the_start_limit() -> None:
    """GET /gateway/bot: one shard per ``guilds_per_shard`` guilds and the knobs' limits."""

    async with Emulator(_config(guilds_per_shard=4, max_concurrency=2)) as emu:
        _guilds(emu, 9)
        async with api(emu) as rest:
            answer = await rest.call("GET", "/gateway/bot")
    assert answer.status == 200
    assert isinstance(answer.body, dict)
    assert answer.body["shards"] == 3
    assert answer.body["session_start_limit"] == {
        "total": 1000,
        "remaining": 1000,
        "reset_after": 86_400_000,
        "max_concurrency": 2,
    }


async def test_an_invalid_shard_is_closed_with_4010() -> None:
    """A shard id past the count, or a count off the large-bot multiple, closes with 4010."""

    async with Emulator(_config(shard_multiple=2)) as emu:
        for shard in ([2, 2], [0, 3], [0], "0,1", [-1, 2]):
            async with raw_session(emu) as raw:
                await raw.identify(emu, shard=shard)
                assert await raw.next_frame() == 4010, shard
        async with raw_session(emu) as raw:
            await raw.identify(emu, shard=[1, 2])
            ready = await raw.until("READY")
            assert ready["shard"] == [1, 2]


async def test_too_many_guilds_for_one_session_is_closed_with_4011() -> None:
    """A session that would hold more than the threshold must shard: 4011; sharded, it may."""

    async with Emulator(_config(max_guilds_per_session=5)) as emu:
        guilds = _guilds(emu, 8)
        async with raw_session(emu) as raw:
            await raw.identify(emu)
            assert await raw.next_frame() == 4011
        async with raw_session(emu) as raw:
            await raw.identify(emu, shard=[0, 2])
            ready = await raw.until("READY")
            listed = ready["guilds"]
            assert isinstance(listed, list)
            assert len(listed) == sum(1 for g in guilds if shard_of(g.id, 2) == 0)


async def test_too_many_sends_are_closed_with_4008() -> None:
    """One frame past the per-minute limit and the connection is closed with 4008."""

    async with Emulator(_config(sends_per_window=3)) as emu, raw_session(emu) as raw:
        for _ in range(3):
            await raw.send(1, None)
            ack = await raw.next_frame()
            assert isinstance(ack, dict)
            assert ack["op"] == 11
        await raw.send(1, None)
        assert await raw.next_frame() == 4008


async def test_identifies_beyond_max_concurrency_get_op_9() -> None:
    """Within one window each ``rate_limit_key`` admits one IDENTIFY; the next gets op 9."""

    async with Emulator(_config(max_concurrency=2, identify_window=3600.0)) as emu:
        for shard in (0, 1):
            async with raw_session(emu) as raw:
                await raw.identify(emu, shard=[shard, 4])
                await raw.until("READY")
        async with raw_session(emu) as raw:
            await raw.identify(emu, shard=[2, 4])  # key 2 % 2 == 0: its bucket is spent
            refused = await raw.next_frame()
            assert isinstance(refused, dict)
            assert (refused["op"], refused["d"]) == (9, False)
        assert emu.gateway.identify_gate.refused == 1


async def test_large_guilds_come_without_members_which_arrive_in_chunks() -> None:
    """Past ``large_threshold`` GUILD_CREATE lists only the bot; op 8 brings every member in
    chunks of at most ``members_per_chunk``, and a second request at once is RATE_LIMITED."""

    async with Emulator(_config(members_per_chunk=25)) as emu:
        [guild] = _guilds(emu, 1)
        for i in range(59):
            emu.driver.add_member(guild, f"m{i:02}")
        async with raw_session(emu) as raw:
            await raw.identify(emu, large_threshold=50)
            created = await raw.until("GUILD_CREATE")
            assert created["large"] is True
            assert created["member_count"] == 61
            assert _member_ids(created) == [str(emu.bot_id)]
            request = {"guild_id": str(guild.id), "query": "", "limit": 0, "nonce": "n1"}
            await raw.send(8, request)
            chunks = [await raw.until("GUILD_MEMBERS_CHUNK") for _ in range(3)]
            assert [(c["chunk_index"], c["chunk_count"], c["nonce"]) for c in chunks] == [
                (0, 3, "n1"),
                (1, 3, "n1"),
                (2, 3, "n1"),
            ]
            ids = {u for c in chunks for u in _member_ids(c)}
            assert ids == {str(u) for u in guild.members}
            await raw.send(8, request | {"nonce": "n2"})
            limited = await raw.until("RATE_LIMITED")
            assert limited["opcode"] == 8
            assert limited["meta"] == {"guild_id": str(guild.id), "nonce": "n2"}
            assert isinstance(limited["retry_after"], float)
            assert limited["retry_after"] > 0
            await raw.send(8, {"guild_id": str(guild.id), "query": "m0", "limit": 5})
            some = await raw.until("GUILD_MEMBERS_CHUNK")
            assert len(_member_ids(some)) == 5

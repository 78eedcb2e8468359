"""The shared sharded session: Discord's count and buckets, and the bot's daily start budget."""

from __future__ import annotations

import asyncio
import logging

import nextcord
import pytest

from emulator import Emulator, EmulatorConfig
from emulator.gateway.shards import ShardingConfig
from services.runtime.discord import close_session
from services.runtime.identify import IdentifyPacer
from services.runtime.sharding import Login, ShardedSession, hold_sharded
from tests.helpers import eventually

STEP = 10.0


def _session() -> ShardedSession:
    return ShardedSession(
        pacer=IdentifyPacer(window=0.05),
        shard_count=None,
        intents=nextcord.Intents.none(),
        guild_ready_timeout=0.1,
    )


def _emulator(daily_limit: int) -> Emulator:
    """A Discord recommending one shard per guild, two IDENTIFY buckets."""
    sharding = ShardingConfig(guilds_per_shard=1, max_concurrency=2)
    return Emulator(EmulatorConfig(identify_daily_limit=daily_limit, sharding=sharding))


async def _holding(
    emu: Emulator, client: ShardedSession, ready: asyncio.Event
) -> asyncio.Task[None]:
    """Three guilds, and ``client`` holding its sessions in a task."""
    for i in range(3):
        emu.driver.add_guild(f"guild {i}")
    login = Login(emu.token, emu.api_url, "test")
    return asyncio.create_task(hold_sharded(client, login, ready))


async def _stop(task: asyncio.Task[None], client: ShardedSession) -> None:
    task.cancel()
    await asyncio.wait({task}, timeout=STEP)
    await close_session(client)


async def test_the_count_and_the_buckets_are_discords() -> None:
    """Three guilds at one a shard: three sessions, paced in Discord's two buckets."""
    async with _emulator(daily_limit=1000) as emu:
        client, ready = _session(), asyncio.Event()
        task = await _holding(emu, client, ready)
        try:
            await asyncio.wait_for(ready.wait(), STEP)
            assert (client.shard_count, client.pacer.max_concurrency) == (3, 2)
            assert sorted(s.shard for s in emu.gateway.live_sessions) == [(0, 3), (1, 3), (2, 3)]
        finally:
            await _stop(task, client)


async def test_too_few_session_starts_left_means_waiting_not_identifying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two starts left today for three shards: an error, a wait for the reset, no IDENTIFY."""
    caplog.set_level(logging.ERROR, logger="services.runtime.sharding")
    async with _emulator(daily_limit=2) as emu:
        client, ready = _session(), asyncio.Event()
        task = await _holding(emu, client, ready)
        try:
            await eventually(lambda: bool(caplog.records), STEP, "the error about the budget")
            assert "2 session start(s) left today for 3 shard(s)" in caplog.records[0].getMessage()
            assert emu.gateway.identify_count == 0
            assert not task.done()
        finally:
            await _stop(task, client)

"""The voice session shares shard 0's IDENTIFY bucket with the gateway: refused, it waits."""

from __future__ import annotations

import asyncio

from emulator import Emulator, EmulatorConfig
from emulator.gateway.shards import ShardingConfig
from services.runtime.identify import IDENTIFY_WINDOW, IdentifyPacer
from services.voice.client import VoiceSessionClient
from tests.emulator.support import running
from tests.helpers import HandClock


async def test_an_identify_refused_with_op_9_waits_out_the_window_instead_of_looping() -> None:
    """Refused (op 9) after the gateway's shard 0, voice waits the 5 s window once, then is in."""
    now = HandClock()
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        now.t += seconds
        await asyncio.sleep(0)

    sharding = ShardingConfig(identify_window=IDENTIFY_WINDOW)
    async with Emulator(EmulatorConfig(sharding=sharding)) as emu:
        gate = emu.gateway.identify_gate
        gate.monotonic = now.now
        assert gate.admit(0)  # the gateway's shard 0, a moment ago
        pacer = IdentifyPacer(monotonic=now, sleep=sleep)
        client = VoiceSessionClient(guild_ready_timeout=0.1, pacer=pacer)
        async with running(emu, client):
            assert client.is_ready()
        assert gate.refused == 1
        assert waited == [IDENTIFY_WINDOW]

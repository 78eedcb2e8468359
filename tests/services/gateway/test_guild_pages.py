"""FetchGuilds comes in pages bounded in bytes, and an asker gets every guild or none."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.errors import BusError
from bus.protocol import (
    FetchGuilds,
    GuildsFetched,
    GuildSnapshot,
    MemberFacts,
    ReplyMessage,
    Request,
)
from emulator import Emulator
from emulator.rules.state import Guild
from services.gateway.pages import PAGE_BYTES_MAX, PAGE_BYTES_MIN, guild_page, page_budget
from services.runtime.guilds import fetch_guilds
from tests.services.gateway.support import STEP, peer, running_gateway

GUILDS = 300
BOUND = PAGE_BYTES_MIN
"""The page size the tests ask for; a frame may exceed it by the reply's own fields only."""
REPLY_OVERHEAD = 128

_encoder = msgspec.msgpack.Encoder()


@dataclass
class Recording:
    """A bus client whose every reply's encoded size is noted, with a hook after each one."""

    bus: BusClient
    frames: list[int] = field(default_factory=list)
    epochs: list[str] = field(default_factory=list)
    after_page: Callable[[int], Awaitable[None]] | None = None

    async def request[R: ReplyMessage](
        self, target: str, body: Request, *, expect: type[R], timeout: float = 2.0
    ) -> R:
        reply = await self.bus.request(target, body, expect=expect, timeout=timeout)
        self.frames.append(len(_encoder.encode(reply)))
        if isinstance(reply, GuildsFetched):
            self.epochs.append(reply.epoch)
        if self.after_page is not None:
            await self.after_page(len(self.frames))
        return reply


def _guilds(emu: Emulator, count: int) -> list[Guild]:
    guilds = [emu.driver.add_guild(f"guild {i}") for i in range(count)]
    for guild in guilds:
        emu.driver.add_member(guild, "alice")
        emu.driver.add_member(guild, "bob")
    return guilds


def _snapshot(guild_id: int, members: int) -> GuildSnapshot:
    people = [MemberFacts(user_id=i + 1, display_name=f"member {i}") for i in range(members)]
    return GuildSnapshot(
        guild_id=guild_id,
        name=f"guild {guild_id}",
        owner_id=1,
        members=people,
        roles=[],
        channels=[],
        voice=[],
    )


def test_a_page_holds_what_fits_and_a_guild_bigger_than_a_page_comes_alone() -> None:
    """Pages stop before the budget; one oversized guild is a page of its own, not a stall."""
    snapshots = [_snapshot(1, 1), _snapshot(2, 1), _snapshot(3, 500), _snapshot(4, 1)]
    budget = 2 * len(_encoder.encode(snapshots[0])) + 1
    first = guild_page(snapshots, budget, "e")
    assert [s.guild_id for s in first.guilds] == [1, 2]
    assert first.next_after == 2
    big = guild_page(snapshots[2:], budget, "e")
    assert [s.guild_id for s in big.guilds] == [3]
    assert big.next_after == 3
    last = guild_page(snapshots[3:], budget, "e")
    assert (last.next_after, last.epoch) == (0, "e")
    assert page_budget(FetchGuilds(page_bytes=1)) == PAGE_BYTES_MIN
    assert page_budget(FetchGuilds(page_bytes=10**9)) == PAGE_BYTES_MAX
    assert page_budget(FetchGuilds()) is None  # an asker from before paging: one frame


async def test_300_guilds_come_back_whole_over_several_bounded_frames(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Every one of 300 guilds, once, in pages none bigger than the bound asked for."""

    async with Emulator() as emu:
        guilds = _guilds(emu, GUILDS)
        async with peer(endpoints) as asker, running_gateway(emu, endpoints, short_tmp):
            recording = Recording(asker.client)
            found = await fetch_guilds(recording, timeout=STEP, page_bytes=BOUND)
            whole = await asker.client.request(
                "gateway", FetchGuilds(), expect=GuildsFetched, timeout=STEP
            )
    assert sorted(s.guild_id for s in found) == sorted(g.id for g in guilds)
    assert len(recording.frames) >= 10
    assert max(recording.frames) <= BOUND + REPLY_OVERHEAD
    assert len(whole.guilds) == GUILDS  # the one-frame answer, for an asker from before
    assert len(_encoder.encode(whole)) > 10 * BOUND


async def test_a_gateway_restarting_mid_paging_leaves_the_asker_with_every_guild(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Restarted between two pages, the gateway answers from a new cache: the asker starts
    over and gets all 300 once. Stopped between two pages, the asking raises with nothing
    handed back, and asked again once the gateway is back, it gets all 300."""

    async with Emulator() as emu:
        ids = sorted(g.id for g in _guilds(emu, GUILDS))
        async with (
            peer(endpoints) as asker,
            contextlib.AsyncExitStack() as later,
            contextlib.AsyncExitStack() as first,
        ):
            await first.enter_async_context(running_gateway(emu, endpoints, short_tmp))

            async def restart(pages: int) -> None:
                if pages == 2:
                    await first.aclose()
                    await later.enter_async_context(running_gateway(emu, endpoints, short_tmp))

            recording = Recording(asker.client, after_page=restart)
            found = await fetch_guilds(recording, timeout=STEP, page_bytes=BOUND)
            assert sorted(s.guild_id for s in found) == ids
            assert len(set(recording.epochs)) == 2  # two pages of the first, then the next

            async def stop(pages: int) -> None:
                if pages == 2:
                    await later.aclose()

            stopping = Recording(asker.client, after_page=stop)
            with pytest.raises(BusError):
                await fetch_guilds(stopping, timeout=1.0, page_bytes=BOUND)
            async with running_gateway(emu, endpoints, short_tmp):
                again = await fetch_guilds(asker.client, timeout=STEP, page_bytes=BOUND)
            assert sorted(s.guild_id for s in again) == ids

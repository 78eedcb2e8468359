"""Discord's rate limits: the gateway waits them out, never pushes past them, and counts retries."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from bus.endpoints import Endpoints
from bus.protocol import (
    AddReactions,
    DirectChannel,
    Done,
    EditMessage,
    GuildSnapshot,
    Heartbeat,
    MessageSent,
    OpenDirectMessage,
    SendMessage,
)
from emulator import Emulator, EmulatorConfig, RateLimitConfig, RouteLimit
from emulator.engine.recorder import RequestRecord
from tests.emulator.support import small_community
from tests.services.gateway.support import STEP, Peer, gateway_process, peer

EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
EDIT_PATH = EDIT.split(" ")[1]
REACT = "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"
HELD = 6.0  # seconds Discord holds one channel's reactions back: longer than three reactions
# nextcord keeps a bucket's longest reset for later waits: three held reactions take 3 HELDs.
EDITS = 4
SLACK = 0.005
"""Seconds between the emulator's rate-limit check and its log entry, at most."""
IN_FLIGHT = 0.02
"""Calls answered this soon after a 429 were already on the wire when it was sent."""


def _early_calls(records: list[RequestRecord]) -> list[str]:
    """Calls the gateway made before a 429's ``retry_after`` had run out.

    Such a call is the refused call itself sent again too soon, or any call
    that reached Discord later than ``IN_FLIGHT`` after the 429 but before
    the wait was over.
    """
    early = []
    for index, refused in enumerate(records):
        if refused.status != 429:
            continue
        assert isinstance(refused.response, dict)
        free_at = refused.at + float(str(refused.response["retry_after"])) - SLACK
        for call in records[index + 1 :]:
            again = (call.method, call.path, call.body) == (
                refused.method,
                refused.path,
                refused.body,
            )
            if call.at < free_at and (again or call.at > refused.at + IN_FLIGHT):
                early.append(f"{call.method} {call.path} {call.at - refused.at:.3f} s after a 429")
    return early


def _heartbeats(seen: Peer) -> list[Heartbeat]:
    return [b for b in seen.of(Heartbeat) if b.service == "gateway"]


@contextlib.asynccontextmanager
async def _gateway_on_the_bus(
    emu: Emulator, endpoints: Endpoints, short_tmp: Path
) -> AsyncIterator[Peer]:
    """A gateway process beating every 0.1 s, and a peer that has seen it start."""
    async with peer(endpoints) as seen:
        process = await gateway_process(
            short_tmp,
            emu,
            emu.token,
            SQUADTIME_HEARTBEAT_SECONDS="0.1",
            SQUADTIME_LOG_LEVEL="INFO",
        )
        try:
            await seen.wait_for(GuildSnapshot)
            await seen.wait_for(Heartbeat, lambda b: b.service == "gateway")
            yield seen
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.communicate(), STEP)
            assert process.returncode == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _post_one_each(seen: Peer, channel_ids: list[int]) -> dict[int, int]:
    """Post one message per channel, then edit each ``EDITS`` times at once: {channel: message}."""
    posted = {}
    for channel_id in channel_ids:
        sent = await seen.client.request(
            "gateway",
            SendMessage(channel_id=channel_id, content="Who plays today?"),
            expect=MessageSent,
            timeout=STEP,
        )
        posted[channel_id] = sent.message_id
    return posted


async def _edit_all(seen: Peer, posted: dict[int, int]) -> None:
    """Edit every posted message ``EDITS`` times, all at once; every edit must succeed."""
    edits = [
        seen.client.request(
            "gateway",
            EditMessage(channel_id=channel_id, message_id=message_id, content=f"edit {n}"),
            expect=MessageSent,
            timeout=STEP,
        )
        for channel_id, message_id in posted.items()
        for n in range(EDITS)
    ]
    replies = await asyncio.gather(*edits)
    assert {(r.channel_id, r.message_id) for r in replies} == set(posted.items())


async def _retried_reaches(seen: Peer, count: int) -> int:
    """The gateway's ``retried`` counter as its heartbeats publish it, once it reaches ``count``."""
    try:
        await seen.wait_for(Heartbeat, lambda b: b.service == "gateway" and b.retried >= count)
    except TimeoutError:
        shown = _heartbeats(seen)[-1].retried
        raise AssertionError(f"heartbeats show {shown} retries after {count} 429s") from None
    # One more beat: the counter must stay there, not climb past the 429s.
    beats = len(_heartbeats(seen))
    await seen.wait_for(Heartbeat, lambda b: b.service == "gateway", count=beats + 1)
    return _heartbeats(seen)[-1].retried


async def test_edit_burst_waits_out_429s_and_counts_them(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Edits into two throttled, small buckets all land; each 429 shows once in `retried`."""

    limits = RateLimitConfig()
    limits.routes[EDIT] = RouteLimit(2, 0.5)
    async with Emulator(EmulatorConfig(limits=limits)) as emu:
        town = small_community(emu)
        plans = emu.driver.add_text_channel(town.guild, "plans")
        async with _gateway_on_the_bus(emu, endpoints, short_tmp) as seen:
            posted = await _post_one_each(seen, [town.text.id, plans.id])
            assert _heartbeats(seen)[-1].retried == 0
            # Discord answers 429 to each channel's edits for a while.
            emu.ratelimits.throttle(EDIT, major=town.text.id, seconds=0.7)
            emu.ratelimits.throttle(EDIT, major=plans.id, seconds=1.3)
            await _edit_all(seen, posted)

            refused = 0
            for channel_id, message_id in posted.items():
                calls = [
                    r
                    for r in emu.requests.matching("PATCH", EDIT_PATH)
                    if r.params["channel_id"] == str(channel_id)
                ]
                statuses = [r.status for r in calls]
                assert statuses.count(200) == EDITS
                assert 429 in statuses, f"channel {channel_id} was never refused"
                assert set(statuses) == {200, 429}
                assert _early_calls(calls) == []
                refused += statuses.count(429)
                last = calls[-1].body
                assert isinstance(last, dict)
                shown = emu.driver.message(message_id, town.alice).content
                assert shown == last["content"]
            assert await _retried_reaches(seen, refused) == refused


async def test_a_channel_held_back_does_not_hold_back_another(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Discord counts the reaction bucket per channel: while Discord holds one channel's
    reactions back (429s for a while), another channel's go on, each in order; with one
    bucket shared by every channel they would all wait for the first channel's."""

    async with Emulator() as emu:
        town = small_community(emu)
        plans = emu.driver.add_text_channel(town.guild, "plans")
        async with _gateway_on_the_bus(emu, endpoints, short_tmp) as seen:
            posted = await _post_one_each(seen, [town.text.id, plans.id])
            emu.ratelimits.throttle(REACT, major=town.text.id, seconds=HELD)
            emojis = ["🇦", "🇧", "🇨"]
            await asyncio.gather(
                *(
                    seen.client.request(
                        "gateway",
                        AddReactions(channel_id=channel, message_id=message, emojis=emojis),
                        expect=Done,
                        timeout=STEP + 3 * HELD,
                    )
                    for channel, message in posted.items()
                )
            )
            added = [r for r in emu.requests.records if r.method == "PUT" and r.status == 204]
            held = [i for i, r in enumerate(added) if r.params["channel_id"] == str(town.text.id)]
            free = [i for i, r in enumerate(added) if r.params["channel_id"] == str(plans.id)]
            assert len(held) == len(free) == len(emojis)
            assert max(free) < min(held), "the free channel waited for the held one"
            for channel in (town.text.id, plans.id):
                mine = [r for r in added if r.params["channel_id"] == str(channel)]
                assert [unquote(r.params["emoji_name"]) for r in mine] == emojis


async def test_global_limit_is_waited_out_and_counted(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Past Discord's global limit the gateway pauses every call, then goes on; 429s are counted."""

    limits = RateLimitConfig(global_per_second=4)
    async with Emulator(EmulatorConfig(limits=limits)) as emu:
        town = small_community(emu)
        async with _gateway_on_the_bus(emu, endpoints, short_tmp) as seen:
            posted = await _post_one_each(seen, [town.text.id])
            await _edit_all(seen, posted)
            calls = list(emu.requests.records)
            refused = [r for r in calls if r.status == 429]
            assert refused, "the global limit never answered 429"
            assert all(r.response.get("global") for r in refused if isinstance(r.response, dict))
            assert _early_calls(calls) == []
            assert await _retried_reaches(seen, len(refused)) == len(refused)


@pytest.mark.within(90)
async def test_a_burst_of_dms_never_meets_discords_global_limit(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """150 reminders' DMs, 8 at a time, at Discord's 50 requests a second: all sent, no 429."""

    async with Emulator() as emu:
        town = small_community(emu)
        members = [emu.driver.add_member(town.guild, f"m{n:03d}") for n in range(150)]
        async with _gateway_on_the_bus(emu, endpoints, short_tmp) as seen:
            gate = asyncio.Semaphore(8)

            async def remind(user_id: int) -> None:
                async with gate:
                    opened = await seen.client.request(
                        "gateway",
                        OpenDirectMessage(user_id=user_id),
                        expect=DirectChannel,
                        timeout=STEP,
                    )
                    await seen.client.request(
                        "gateway",
                        SendMessage(channel_id=opened.channel_id, content="You play at 21:00"),
                        expect=MessageSent,
                        timeout=STEP,
                    )

            await asyncio.gather(*(remind(member.user_id) for member in members))
        assert [r.key for r in emu.requests.records if r.status == 429] == []
        assert {len(emu.driver.dms(member)) for member in members} == {1}

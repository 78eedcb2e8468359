"""Rate limits: buckets per major parameter, forced 429s, the global limit, and clients waiting."""

import asyncio

import aiohttp
import nextcord

from emulator import Emulator, EmulatorConfig, RateLimitConfig, RouteLimit
from emulator.rules.ratelimit import RateLimiter
from tests.emulator.support import (
    STEP,
    make_client,
    reactions_at_once,
    running,
    small_community,
)

EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
POST = "POST /channels/{channel_id}/messages"
REACT = "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"
UNREACT = "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"


class FakeTime:
    """A hand-driven clock for the limiter."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(config: RateLimitConfig) -> tuple[RateLimiter, FakeTime]:
    time = FakeTime()
    return RateLimiter(config, monotonic=time, wall=time), time


def test_bucket_counts_down_then_refuses_until_reset() -> None:
    """A 2-per-second bucket allows two requests, refuses the third, and refills after reset."""
    limits, time = limiter(RateLimitConfig(routes={POST: RouteLimit(2, 1.0)}))
    first = limits.check(POST, "/channels/1/messages", "1", "Bot t")
    second = limits.check(POST, "/channels/1/messages", "1", "Bot t")
    third = limits.check(POST, "/channels/1/messages", "1", "Bot t")
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == [
        "1",
        "0",
    ]
    assert first.headers["X-RateLimit-Bucket"] == third.headers["X-RateLimit-Bucket"]
    assert third.limited
    assert third.retry_after == 1.0
    assert third.headers["X-RateLimit-Reset"] == "1001.000"
    time.now += 1.0
    assert not limits.check(POST, "/channels/1/messages", "1", "Bot t").limited


def test_reactions_share_one_quarter_second_bucket_told_to_the_millisecond() -> None:
    """One reaction per 0.25 s per channel, adding and removing alike, the reset given to
    the millisecond in X-RateLimit-Reset-After (Discord's "Rate Limits" page, Header
    Format: it may have decimals, to the millisecond); Retry-After is whole seconds."""
    limits, time = limiter(RateLimitConfig())
    added = limits.check(REACT, "/channels/1/messages/2/reactions/a/@me", "1", "Bot t")
    assert added.headers["X-RateLimit-Remaining"] == "0"
    assert added.headers["X-RateLimit-Reset-After"] == "0.250"
    time.now += 0.1
    removed = limits.check(UNREACT, "/channels/1/messages/2/reactions/a/@me", "1", "Bot t")
    assert removed.limited
    assert removed.headers["X-RateLimit-Reset-After"] == "0.150"
    assert removed.headers["Retry-After"] == "1"
    assert removed.headers["X-RateLimit-Bucket"] == added.headers["X-RateLimit-Bucket"]
    time.now += 0.15
    assert not limits.check(UNREACT, "/channels/1/messages/2/reactions/a/@me", "1", "Bot t").limited


def test_the_tests_discord_takes_a_whole_message_of_reactions_at_once() -> None:
    """``reactions_at_once``: twenty reactions (Discord's most per message) in a row, every
    other limit Discord's own."""
    limits, _ = limiter(reactions_at_once().limits)
    path = "/channels/1/messages/2/reactions/a/@me"
    assert not any(limits.check(REACT, path, "1", "Bot t").limited for _ in range(20))
    assert limits.config.for_route(POST) == RateLimitConfig().for_route(POST)


def test_major_parameters_have_separate_buckets() -> None:
    """Exhausting channel 1 leaves channel 2 untouched."""
    limits, _ = limiter(RateLimitConfig(routes={POST: RouteLimit(1, 5.0)}))
    assert not limits.check(POST, "/channels/1/messages", "1", "Bot t").limited
    assert limits.check(POST, "/channels/1/messages", "1", "Bot t").limited
    assert not limits.check(POST, "/channels/2/messages", "2", "Bot t").limited


def test_throttle_targets_one_channel_for_a_while() -> None:
    """The throttle knob answers 429 for one channel's edits until it runs out."""
    limits, time = limiter(RateLimitConfig())
    limits.throttle(EDIT, major=7, seconds=2.0)
    held = limits.check(EDIT, "/channels/7/messages/9", "7", "Bot t")
    assert held.limited
    assert held.retry_after == 2.0
    assert not limits.check(EDIT, "/channels/8/messages/9", "8", "Bot t").limited
    time.now += 2.0
    assert not limits.check(EDIT, "/channels/7/messages/9", "7", "Bot t").limited


def test_global_limit_is_per_token_and_flagged_global() -> None:
    """The 51st request in a second is a global 429; interaction routes are exempt."""
    limits, _ = limiter(RateLimitConfig(global_per_second=50))
    for _ in range(50):
        assert not limits.check("GET /users/@me", "/users/@me", "", "Bot t").limited
    refused = limits.check("GET /users/@me", "/users/@me", "", "Bot t")
    assert refused.is_global
    assert refused.headers["X-RateLimit-Global"] == "true"
    assert not limits.check("GET /users/@me", "/users/@me", "", "Bot other").limited
    callback = "/interactions/1/tok/callback"
    assert not limits.check(f"POST {callback}", callback, "1/tok", "Bot t").limited


async def test_429_carries_discord_headers_and_json_body() -> None:
    """On the wire a 429 has Via, X-RateLimit-* and a JSON body with retry_after and global."""

    async with Emulator() as emu:
        emu.ratelimits.throttle("GET /users/@me", seconds=5.0)
        headers = {"Authorization": f"Bot {emu.token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(emu.api_url + "/users/@me", headers=headers) as response,
        ):
            body = await asyncio.wait_for(response.json(), STEP)
            assert response.status == 429
            assert response.headers["Content-Type"] == "application/json"
            assert response.headers["Via"] == "1.1 google"
            assert response.headers["X-RateLimit-Remaining"] == "0"
            assert response.headers["X-RateLimit-Scope"] == "user"
            assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Bucket"} <= set(
                response.headers
            )
            assert body["global"] is False
            assert 4.0 < body["retry_after"] <= 5.0


async def test_client_waits_out_forced_429s_instead_of_failing() -> None:
    """nextcord retries an edit that got 429 and succeeds once the channel is released."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            sent = await asyncio.wait_for(channel.send("before"), STEP)
            emu.ratelimits.throttle(EDIT, major=town.text.id, seconds=0.5)
            await asyncio.wait_for(sent.edit(content="after"), STEP)
        statuses = [r.status for r in emu.requests.matching("PATCH", EDIT.split(" ")[1])]
        assert statuses[0] == 429
        assert statuses[-1] == 200
        assert emu.driver.message(sent.id, town.alice).content == "after"


async def test_client_paces_itself_on_a_small_bucket() -> None:
    """With two messages per half second, five sends still all get through."""

    config = EmulatorConfig(limits=RateLimitConfig(routes={POST: RouteLimit(2, 0.5)}))
    async with Emulator(config) as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            for n in range(5):
                await asyncio.wait_for(channel.send(f"message {n}"), STEP)
        contents = [m.content for m in emu.driver.messages(town.text, town.alice)]
        assert contents == [f"message {n}" for n in range(5)]

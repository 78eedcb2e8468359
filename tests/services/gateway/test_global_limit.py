"""The bot's own pacing of Discord's global limit: no window at Discord holds too many."""

from __future__ import annotations

import asyncio
import random

import pytest

from services.gateway.global_limit import GlobalLimit

LIMIT = 5
PERIOD = 0.2


def _most_in_a_period(instants: list[float]) -> int:
    ordered = sorted(instants)
    oldest = 0
    most = 0
    for newest, instant in enumerate(ordered):
        while ordered[oldest] <= instant - PERIOD:
            oldest += 1
        most = max(most, newest - oldest + 1)
    return most


async def test_no_period_counts_more_than_the_limit_whatever_the_latency() -> None:
    """40 requests, 12 at a time, with uneven round trips: at most 5 counted in any 0.2 s."""
    limit = GlobalLimit(LIMIT, PERIOD)
    rng = random.Random(7)
    loop = asyncio.get_running_loop()
    counted: list[float] = []  # the instant "Discord" counted each request at
    gate = asyncio.Semaphore(12)

    async def request(latency: float, share: float) -> None:
        async with gate, limit.slot():
            await asyncio.sleep(latency * share)
            counted.append(loop.time())
            await asyncio.sleep(latency * (1 - share))

    await asyncio.gather(*(request(rng.uniform(0.0, 0.08), rng.random()) for _ in range(40)))
    assert len(counted) == 40
    assert _most_in_a_period(counted) <= LIMIT


async def test_a_failed_request_still_counts() -> None:
    """A request that raised holds its slot for the period all the same."""
    limit = GlobalLimit(1, 30.0)
    with pytest.raises(ConnectionError):
        async with limit.slot():
            raise ConnectionError("reset by peer")
    with pytest.raises(TimeoutError):  # a free slot is taken at once, without waiting
        async with asyncio.timeout(0.05), limit.slot():
            pass


@pytest.mark.parametrize(
    ("path", "counts"),
    [
        ("/channels/{channel_id}/messages", True),
        ("/users/@me/channels", True),
        ("/interactions/{interaction_id}/{interaction_token}/callback", False),
        ("/webhooks/{application_id}/{interaction_token}/messages/@original", False),
    ],
)
def test_interaction_endpoints_are_not_bound_to_the_global_limit(path: str, counts: bool) -> None:
    """Callbacks and interaction webhooks are exempt, as Discord documents."""
    assert GlobalLimit.applies_to(path) is counts

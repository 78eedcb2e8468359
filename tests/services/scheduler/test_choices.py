"""The engines' cache of members' choices: read once per guild, then kept in step."""

from __future__ import annotations

import pytest

from bus.errors import RequestTimeout
from bus.protocol import NudgeChoice, ReminderChoice
from services.scheduler.engines.choices import ChoiceCache


class Telemetry:
    """What telemetry holds for each guild, and how often it was asked."""

    def __init__(self, guilds: dict[int, list[ReminderChoice]]) -> None:
        self.guilds = guilds
        self.asked: list[int] = []
        self.down = False

    async def fetch(self, guild_id: int) -> list[ReminderChoice]:
        self.asked.append(guild_id)
        if self.down:
            raise RequestTimeout("telemetry", "get_reminders", 3.0)
        return self.guilds.get(guild_id, [])


async def test_a_guild_is_read_once_and_then_follows_what_members_choose() -> None:
    """The first look reads the guild; choices made after change the copy, not a new read."""
    telemetry = Telemetry({1: [ReminderChoice(user_id=7, minutes=30)]})
    cache = ChoiceCache(telemetry.fetch)
    assert await cache.get(1, 7) == ReminderChoice(user_id=7, minutes=30)
    await cache.put(1, 8, ReminderChoice(user_id=8, minutes=15, channel=True))
    await cache.put(1, 7, None)
    assert dict(await cache.of(1)) == {8: ReminderChoice(user_id=8, minutes=15, channel=True)}
    assert telemetry.asked == [1]


async def test_a_forgotten_member_loses_their_choice_in_every_guild() -> None:
    """Deleting a member's data drops their choices everywhere, and nobody else's."""
    telemetry = Telemetry({1: [ReminderChoice(user_id=7, minutes=30)]})
    cache = ChoiceCache(telemetry.fetch)
    await cache.put(2, 7, ReminderChoice(user_id=7, minutes=10))
    await cache.put(2, 9, ReminderChoice(user_id=9, minutes=10))
    assert await cache.get(1, 7) is not None
    cache.forget(7)
    assert (dict(await cache.of(1)), list(await cache.of(2))) == ({}, [9])
    assert telemetry.asked == [2, 1]


async def test_a_failed_read_is_tried_again_next_time() -> None:
    """When telemetry does not answer, nothing is kept: the next look reads the guild."""
    telemetry = Telemetry({1: [ReminderChoice(user_id=7, minutes=30)]})
    cache = ChoiceCache(telemetry.fetch)
    telemetry.down = True
    with pytest.raises(RequestTimeout):
        await cache.of(1)
    telemetry.down = False
    assert list(await cache.of(1)) == [7]
    assert telemetry.asked == [1, 1]


async def test_a_member_with_no_choice_reads_none() -> None:
    """A member who chose nothing has no choice (nudges then follow the guild's switch)."""

    async def nobody(guild_id: int) -> list[NudgeChoice]:
        return []

    cache = ChoiceCache(nobody)
    assert await cache.get(1, 7) is None

"""What members chose for an engine (their reminders, their nudges), guild by guild.

Telemetry keeps the choices; an engine reads a guild's once, the first time it needs them,
and from then on changes its copy as members choose, so a tick costs no request. A guild
whose read failed is read again next time (nothing is kept for it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Protocol


class Chosen(Protocol):
    """A member's choice: whose it is."""

    @property
    def user_id(self) -> int: ...


class ChoiceCache[C: Chosen]:
    """Each guild's choices by member, read with ``fetch(guild_id)`` the first time."""

    def __init__(self, fetch: Callable[[int], Awaitable[Iterable[C]]]) -> None:
        self._fetch = fetch
        self._guilds: dict[int, dict[int, C]] = {}

    async def of(self, guild_id: int) -> Mapping[int, C]:
        """The guild's choices by member (read from telemetry if not yet known)."""
        known = self._guilds.get(guild_id)
        if known is not None:
            return known
        found = {choice.user_id: choice for choice in await self._fetch(guild_id)}
        self._guilds[guild_id] = found
        return found

    async def get(self, guild_id: int, user_id: int) -> C | None:
        """A member's choice, if they made one."""
        return (await self.of(guild_id)).get(user_id)

    async def put(self, guild_id: int, user_id: int, choice: C | None) -> None:
        """Use the member's new choice (None: they have none any more) from now on."""
        await self.of(guild_id)
        if choice is None:
            self._guilds[guild_id].pop(user_id, None)
        else:
            self._guilds[guild_id][user_id] = choice

    def forget(self, user_id: int) -> None:
        """The member's data was deleted: their choices in every guild go."""
        for choices in self._guilds.values():
            choices.pop(user_id, None)

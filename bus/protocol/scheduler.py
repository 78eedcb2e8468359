"""The scheduler's messages: the fresh guild facts and the live board the dashboard asks it
for."""

from __future__ import annotations

import msgspec

from bus.protocol.common import (
    ChannelFacts,
    Fact,
    Instant,
    MemberFacts,
    ReplyMessage,
    RequestMessage,
    RoleFacts,
)

# ==========================================================================
# The dashboard (``web``): what it asks the scheduler (fresh guild facts, the
# live board) and telemetry (graphs, members at a glance, a member's own data).
# ==========================================================================


class GetMember(RequestMessage, frozen=True, tag="get_member"):
    """One member of a guild as the scheduler's roster has it now (the gateway's facts);
    answered with MemberReply. The dashboard checks every request with it."""

    guild_id: int
    user_id: int


class MemberReply(ReplyMessage, frozen=True, tag="member"):
    """A guild's name and owner and one of its members; ``member`` None when the guild or
    the member is unknown (not in that guild, or the bot is not there)."""

    guild_id: int
    guild_name: str = ""
    owner_id: int = 0
    member: MemberFacts | None = None
    guild_icon_url: str = ""


class GetRoster(RequestMessage, frozen=True, tag="get_roster"):
    """Every member of a guild the scheduler knows; answered with RosterReply."""

    guild_id: int


class RosterReply(ReplyMessage, frozen=True, tag="roster"):
    """A guild's members (bots left out), by user id, and its channels and roles, so that
    the dashboard names what it shows."""

    guild_id: int
    guild_name: str = ""
    members: list[MemberFacts] = msgspec.field(default_factory=list)
    guild_icon_url: str = ""
    channels: list[ChannelFacts] = msgspec.field(default_factory=list)
    roles: list[RoleFacts] = msgspec.field(default_factory=list)


class BoardPlayer(Fact, frozen=True):
    """One member in one hour of the board: ``how`` is ``voice``, ``reaction`` or
    ``schedule`` (see ``services.runtime.playtime.How``)."""

    user_id: int
    name: str = ""
    rank_emoji: str = ""
    how: str = "reaction"


class BoardHour(Fact, frozen=True):
    """One hour of today's window: its local hour, first instant, emoji and players;
    ``maybes`` are the members who said "maybe" for it and are not in (their ``how`` is
    ``maybe``): shown apart, never counted as players."""

    hour: int
    start: Instant = 0.0
    emoji: str = ""
    players: list[BoardPlayer] = msgspec.field(default_factory=list)
    maybes: list[BoardPlayer] = msgspec.field(default_factory=list)


class GetBoard(RequestMessage, frozen=True, tag="get_board"):
    """Who is in each hour of a guild's current daily message; answered with BoardReply."""

    guild_id: int


class BoardReply(ReplyMessage, frozen=True, tag="board"):
    """The current community day's board (``date`` "" and no hours before the first post)."""

    guild_id: int
    date: str = ""
    timezone: str = "UTC"
    posted: bool = False
    hours: list[BoardHour] = msgspec.field(default_factory=list)


SchedulerRequest = GetMember | GetRoster | GetBoard
SchedulerReply = MemberReply | RosterReply | BoardReply

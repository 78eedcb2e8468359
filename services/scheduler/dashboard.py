"""What the dashboard asks the scheduler: fresh guild facts (a member's permissions, the
roster) and the live board, all from what the scheduler keeps in memory (no Discord call,
no database)."""

from __future__ import annotations

from typing import assert_never

from bus.protocol import (
    BoardHour,
    BoardPlayer,
    BoardReply,
    GetBoard,
    GetMember,
    GetRoster,
    MemberReply,
    RosterReply,
    SchedulerReply,
    SchedulerRequest,
)
from services.runtime.playtime import MAYBE
from services.scheduler.daily import Days
from services.scheduler.roster import Roster


def answer(days: Days, roster: Roster, request: SchedulerRequest) -> SchedulerReply:
    """The reply to one of the dashboard's scheduler requests."""
    match request:
        case GetMember(guild_id=guild_id, user_id=user_id):
            view = roster.guilds.get(guild_id)
            if view is None:
                return MemberReply(guild_id=guild_id)
            return MemberReply(
                guild_id=guild_id,
                guild_name=view.name,
                owner_id=view.owner_id,
                member=view.members.get(user_id),
                guild_icon_url=view.icon_url,
            )
        case GetRoster(guild_id=guild_id):
            view = roster.guilds.get(guild_id)
            if view is None:
                return RosterReply(guild_id=guild_id)
            members = sorted(
                (m for m in view.members.values() if not m.bot), key=lambda m: m.user_id
            )
            return RosterReply(
                guild_id=guild_id,
                guild_name=view.name,
                members=members,
                guild_icon_url=view.icon_url,
                channels=sorted(view.channels.values(), key=lambda c: (c.position, c.channel_id)),
                roles=sorted(view.roles.values(), key=lambda r: (-r.position, r.role_id)),
            )
        case GetBoard(guild_id=guild_id):
            return board(days, roster, guild_id)
        case _:
            assert_never(request)


def board(days: Days, roster: Roster, guild_id: int) -> BoardReply:
    """Who is in each hour of the guild's current daily message, as the message lists it,
    and who said maybe for it (apart, by name, as the message lists them after the players)."""
    guild = days.guilds.get(guild_id)
    if guild is None or guild.day is None:
        return BoardReply(guild_id=guild_id)
    view = roster.guild(guild_id)
    rank_emoji = guild.config.rank_emoji
    hours = []
    for line in days.lines(guild):
        players = []
        for user_id, how in line.players:
            emoji, name = view.label(user_id, rank_emoji)
            players.append(BoardPlayer(user_id=user_id, name=name, rank_emoji=emoji, how=how))
        unsure = []
        for user_id in line.maybes:
            emoji, name = view.label(user_id, rank_emoji)
            unsure.append(BoardPlayer(user_id=user_id, name=name, rank_emoji=emoji, how=MAYBE))
        hours.append(
            BoardHour(
                hour=line.slot.hour,
                start=line.slot.start,
                emoji=line.slot.emoji,
                players=players,
                maybes=sorted(unsure, key=lambda p: p.name.casefold()),
            )
        )
    return BoardReply(
        guild_id=guild_id,
        date=guild.day.isoformat(),
        timezone=guild.window.timezone,
        posted=bool(guild.message_id),
        hours=hours,
    )

"""The week ahead page: a heatmap of who is in each hour of the next 7 days, for every
member of the guild (moderators included), on the reader's own clock (see
``services.runtime.ahead`` for what fills each hour: usual hours less absences, the hours
members planned, today's board with its maybes)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bus.protocol import (
    AbsencesReply,
    BoardReply,
    GetAbsences,
    GetBoard,
    GetGuildConfig,
    GetPlans,
    GetRoster,
    GetSchedules,
    GetTimezones,
    GuildConfigReply,
    PlansReply,
    RosterReply,
    SchedulesReply,
    TimezonesReply,
)
from services.runtime import ahead as heatmap
from services.runtime.playtime import (
    community_date,
    zone,
)
from services.web import figures
from services.web.access import member_access
from services.web.context import web_of


async def week_page(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    guild_id, user_id = access.guild_id, access.visitor.user_id
    config = await site.ask("telemetry", GetGuildConfig(guild_id=guild_id), GuildConfigReply)
    usual = await site.ask("telemetry", GetSchedules(guild_id=guild_id), SchedulesReply)
    zones = await site.ask("telemetry", GetTimezones(user_ids=[user_id]), TimezonesReply)
    board = await site.ask("scheduler", GetBoard(guild_id=guild_id), BoardReply)
    roster = await site.ask("scheduler", GetRoster(guild_id=guild_id), RosterReply)
    names = {m.user_id: m.display_name for m in roster.members}
    own = zones.timezones.get(user_id, "")
    clock = heatmap.zone_of(own, config.config.timezone)
    now = site.clock.now()
    # From yesterday's community day: its window may reach into the reader's today.
    since = community_date(now, zone(config.config.timezone)) - timedelta(days=1)
    absences = await site.ask(
        "telemetry", GetAbsences(guild_id=guild_id, since=since.isoformat()), AbsencesReply
    )
    planned = await site.ask(
        "telemetry", GetPlans(guild_id=guild_id, since=since.isoformat()), PlansReply
    )
    ahead = heatmap.week_ahead(
        config.config,
        usual.schedules,
        board,
        names,
        user_id,
        clock,
        now,
        away=heatmap.away_by(absences.absences),
        more=[heatmap.plan_source(planned.plans)],
    )
    return site.page(
        "week.html",
        "Week ahead",
        access=access,
        ahead=ahead,
        own_zone=bool(own),
        marks=figures.MARK_OF,
        meanings=figures.MEANING_OF,
        legend=figures.LEGEND,
        levels=range(heatmap.LEVELS + 1),
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/g/{guild_id}/week", week_page)]

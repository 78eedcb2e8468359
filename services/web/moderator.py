"""The moderators' pages: today's board (live), the graphs, the members, the configuration,
and the guild's voice sessions as CSV. Each request is checked for Manage Server anew."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bus.errors import BusError, ErrorCode, RemoteError, caused_by_request
from bus.protocol import (
    ALL_HISTORY,
    BoardReply,
    GetBoard,
    GetGuildConfig,
    GetMembersGlance,
    GetRoster,
    GetSchedules,
    GetVoiceSessions,
    GraphFormat,
    GraphInfo,
    GraphName,
    GuildConfigReply,
    MemberFacts,
    MembersGlanceReply,
    RosterReply,
    SchedulesReply,
    VoiceSessionsReply,
)
from services.runtime.playtime import (
    community_date,
    zone,
)
from services.web import exports, figures
from services.web.access import moderator_access
from services.web.context import web_of
from services.web.names import Names

log = logging.getLogger(__name__)

PERIODS = (ALL_HISTORY, 1, 7, 30, 84, 91, 365)
MIN_DAYS, MAX_DAYS = 1, 365
CSV_DAYS = 28


def _board_values(board: BoardReply) -> dict[str, Any]:
    """What the board's partial shows: the day, and each player's mark as the daily
    message marks it (``services.runtime.playtime.MARKS``, and ❔ for a maybe)."""
    return {
        "board": board,
        "day": figures.day(board.date) if board.date else "",
        "marks": figures.MARK_OF,
        "meanings": figures.MEANING_OF,
    }


async def board_page(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    board = await site.ask("scheduler", GetBoard(guild_id=access.guild_id), BoardReply)
    return site.page(
        "board.html", "Today", access=access, legend=figures.LEGEND, **_board_values(board)
    )


async def board_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the board each time it changes (checked every ``board_poll``
    seconds), its date and timezone line included, so that a new day redraws it; while the
    visitor is still a moderator of the guild and the browser still listens. A closed
    stream ends at once: aiohttp cancels this handler when its connection closes
    (``handler_cancellation``, see ``services.web.connections``), so no closed stream keeps
    asking the scheduler; the transport is checked too, in case."""
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    partial = site.pages.get_template("board_hours.html")
    shown = ""
    try:
        while _listening(request):
            board = await site.ask("scheduler", GetBoard(guild_id=access.guild_id), BoardReply)
            html = partial.render(**_board_values(board))
            if html != shown:
                shown = html
                await response.write(f"event: board\ndata: {json.dumps(html)}\n\n".encode())
            await asyncio.sleep(site.board_poll)
            access = await moderator_access(request, site.bus)
    except web.HTTPException as error:
        # Refused now (no longer a moderator) or the bot is busy: the stream ends, and the
        # browser's reconnection is told why.
        log.info("board stream of guild %d ended: %s", access.guild_id, error.reason)
    except ConnectionError:
        pass  # the browser left while a change was written
    return response


def _listening(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


OPENING_GRAPH: GraphName = "voice-time"
"""The graph the graphs page opens on: each member's time in voice, the one every moderator
reads first."""


def _days(raw: str | None, default: int = CSV_DAYS) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not MIN_DAYS <= int(raw) <= MAX_DAYS:
        raise web.HTTPBadRequest(
            text=f"The period must be a whole number of days from {MIN_DAYS} to {MAX_DAYS},"
            f" not {raw[:20]!r}."
        )
    return int(raw)


def _graph_days(raw: str | None, graph: GraphInfo) -> int:
    """The period of a graph; by default the graph's own, the same as ``/stats``'s."""
    if raw == str(ALL_HISTORY):
        return ALL_HISTORY
    return _days(raw, graph.default_days)


def period_label(days: int) -> str:
    """How a period reads in the picker."""
    if days == ALL_HISTORY:
        return "all the history"
    return "1 day" if days == 1 else f"{days} days"


def _graph(raw: str | None, kinds: list[GraphInfo]) -> GraphInfo:
    """The graph asked for by name; with none, ``OPENING_GRAPH``."""
    if raw is None or raw == "":
        raw = OPENING_GRAPH
    for kind in kinds:
        if raw == kind.name:
            return kind
    names = ", ".join(kind.name for kind in kinds)
    raise web.HTTPBadRequest(text=f"There is no graph called {raw[:30]!r}; choose one of {names}.")


async def _pickable(request: web.Request, guild_id: int) -> dict[int, str]:
    """Members a timeline may be drawn for: in the guild, not opted out."""
    site = web_of(request)
    roster = await site.ask("scheduler", GetRoster(guild_id=guild_id), RosterReply)
    glance = await site.ask("telemetry", GetMembersGlance(guild_id=guild_id), MembersGlanceReply)
    hidden = set(glance.opted_out)
    return {m.user_id: m.display_name for m in roster.members if m.user_id not in hidden}


def _member(raw: str | None, members: dict[int, str], graph: GraphInfo) -> int:
    if raw is None or raw == "":
        if graph.one_member:
            raise web.HTTPBadRequest(text=f"{graph.title} is drawn for one member: pick a member.")
        return 0
    if not raw.isascii() or not raw.isdigit() or int(raw) not in members:
        raise web.HTTPBadRequest(
            text=f"{raw[:30]!r} is not a member of this server whose history is recorded."
        )
    return int(raw) if graph.one_member else 0


async def graphs_page(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    query = request.query
    kinds = await site.graph_kinds()
    graph = _graph(query.get("graph"), kinds)
    days = _graph_days(query.get("days"), graph)
    members = await _pickable(request, access.guild_id)
    picked = query.get("member", "")
    member = _member(picked, members, graph) if picked else 0
    image, note = "", ""
    if graph.one_member and not member:
        note = f"{graph.title} is drawn for one member: pick a member, then Show."
    else:
        # SVG: it scales to the phone or the screen, and carries each value as a hover title
        # (shown once static/graph.js has put the SVG in the page; an <img> shows none).
        image = f"/g/{access.guild_id}/graphs/{graph.name}.svg?days={days}&member={member}"
    return site.page(
        "graphs.html",
        f"Graphs of {access.guild_name}",
        access=access,
        graphs=[(kind.name, kind.title) for kind in kinds],
        graph=graph.name,
        label=graph.title,
        periods=[(d, period_label(d)) for d in sorted({*PERIODS, days})],
        days=days,
        members=sorted(members.items(), key=lambda item: item[1].lower()),
        member=member,
        image=image,
        note=note,
    )


async def graph_image(request: web.Request) -> web.Response:
    """A graph as SVG (what the graphs page shows) or PNG (``.png``, as ``/stats`` draws it)."""
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    graph = _graph(request.match_info["graph"], await site.graph_kinds())
    fmt: GraphFormat = "svg" if request.match_info["format"] == "svg" else "png"
    days = _graph_days(request.query.get("days"), graph)
    raw_member = request.query.get("member", "")
    member = 0
    if graph.one_member or raw_member not in ("", "0"):
        member = _member(raw_member, await _pickable(request, access.guild_id), graph)
    try:
        image = await site.graphs.image(access.guild_id, graph.name, days, member, fmt)
    except RemoteError as error:
        if error.code == ErrorCode.NO_DATA:
            raise web.HTTPNotFound(text=error.message) from None
        if caused_by_request(error.code):
            raise web.HTTPBadRequest(text=error.message) from None
        raise web.HTTPServiceUnavailable(text=f"The graph could not be drawn: {error}") from None
    except BusError as error:
        raise web.HTTPServiceUnavailable(text=f"The graph could not be drawn: {error}") from None
    return web.Response(
        body=image.data, content_type=image.content_type, headers={"Cache-Control": "private"}
    )


async def members_page(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    guild_id = access.guild_id
    glance = await site.ask("telemetry", GetMembersGlance(guild_id=guild_id), MembersGlanceReply)
    roster = await site.ask("scheduler", GetRoster(guild_id=guild_id), RosterReply)
    config = await site.ask("telemetry", GetGuildConfig(guild_id=guild_id), GuildConfigReply)
    usual = await site.ask("telemetry", GetSchedules(guild_id=guild_id), SchedulesReply)
    known = {m.user_id: m for m in roster.members}
    weekly = {s.user_id: len(s.slots) for s in usual.schedules}
    hidden = set(glance.opted_out)
    community = zone(config.config.timezone)
    rows = [
        {
            "user_id": row.user_id,
            "name": known[row.user_id].display_name
            if row.user_id in known
            else f"member {row.user_id}",
            "avatar": known[row.user_id].avatar_url if row.user_id in known else "",
            "last_seen": figures.moment(row.last_seen, community),
            "week": figures.hours(row.hours_week),
            "month": figures.hours(row.hours_4_weeks),
            "usual": f"{weekly[row.user_id]} h/week" if row.user_id in weekly else "—",
        }
        for row in glance.members
        if row.user_id not in hidden and (row.user_id in known or row.last_seen)
    ]
    rows.sort(key=lambda r: str(r["name"]).lower())
    return site.page(
        "members.html",
        "Members",
        access=access,
        rows=rows,
        zone=config.config.timezone,
        reliability=glance.reliability,
        there=_who_was_there(glance, known, community),
    )


def _who_was_there(
    glance: MembersGlanceReply, known: dict[int, MemberFacts], community: ZoneInfo
) -> list[tuple[str, list[str]]]:
    """The past hours of the last 7 days, newest first, each with who was there of those
    who said they would play it, by name: never a score per member (a ranking shames the
    few in a small server more than it helps anyone)."""
    return [
        (
            figures.moment(hour.start, community),
            sorted((known[u].display_name for u in hour.there if u in known), key=str.lower),
        )
        for hour in reversed(glance.there)
    ]


async def config_page(request: web.Request) -> web.Response:
    """The guild's settings, with the names of its channels and roles as the bot knows
    them now (a deleted channel shows as such, never as a bare id)."""
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    reply = await site.ask("telemetry", GetGuildConfig(guild_id=access.guild_id), GuildConfigReply)
    roster = await site.ask("scheduler", GetRoster(guild_id=access.guild_id), RosterReply)
    named = Names.of(roster)
    c = reply.config
    voice = ", ".join(named.channel(v) for v in c.voice_channel_ids)
    ranks = ", ".join(f"{e} {named.role(r)}" for r, e in c.rank_emoji.items())
    rows = [
        ("Daily channel", named.channel(c.channel_id) if c.channel_id else "not set"),
        ("Post time", f"{c.post_time} ({c.timezone})"),
        ("Timezone", c.timezone),
        ("Play window", f"from {c.window_start:02d}:00, {c.window_hours} hours"),
        ("Counted voice channels", voice or "all voice channels"),
        ("Rank emoji", ranks or "none"),
        ("Voice greetings", "on" if c.greetings else "off"),
        ("Enough players call", f"from {c.quorum_size} members" if c.quorum_size else "off"),
        ("Scheduled events", "on" if c.events else "off"),
        (
            "Reliability",
            "on: moderators see who was there"
            if c.reliability
            else "off: each member sees only their own",
        ),
    ]
    return site.page("config.html", "Configuration", access=access, rows=rows)


async def guild_sessions_csv(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await moderator_access(request, site.bus)
    days = _days(request.query.get("days"))
    guild_id = access.guild_id
    config = await site.ask("telemetry", GetGuildConfig(guild_id=guild_id), GuildConfigReply)
    today = community_date(site.clock.now(), zone(config.config.timezone))
    first = today - timedelta(days=days - 1)
    found = await site.ask(
        "telemetry",
        GetVoiceSessions(guild_id=guild_id, first_day=first.isoformat(), days=days),
        VoiceSessionsReply,
    )
    glance = await site.ask("telemetry", GetMembersGlance(guild_id=guild_id), MembersGlanceReply)
    roster = await site.ask("scheduler", GetRoster(guild_id=guild_id), RosterReply)
    hidden = set(glance.opted_out)
    sessions = [s for s in found.sessions if s.user_id not in hidden]
    table = exports.sessions_csv(sessions, Names.of(roster))
    return exports.download(table, f"voice-sessions-{guild_id}.csv")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/g/{guild_id}/board", board_page),
        web.get("/g/{guild_id}/board/events", board_events),
        web.get("/g/{guild_id}/graphs", graphs_page),
        web.get("/g/{guild_id}/graphs/{graph}.{format:png|svg}", graph_image),
        web.get("/g/{guild_id}/members", members_page),
        web.get("/g/{guild_id}/config", config_page),
        web.get("/g/{guild_id}/sessions.csv", guild_sessions_csv),
    ]

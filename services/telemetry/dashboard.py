"""Telemetry's answers to the dashboard: graphs as SVGs or PNGs (drawn in the graph worker,
opted-out members left out), the members table, a member's own month, marks and calendar feed.

The dashboard opens no database: it asks here. Reads run on the database thread, drawing in
the worker, so neither blocks ingestion.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import secrets
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import assert_never

from bus.clock import Clock, wall_time
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    DashboardTelemetryReply,
    DashboardTelemetryRequest,
    DataVersionReply,
    DatedMark,
    EndWebSessions,
    FeedReply,
    FindFeed,
    FindWebSession,
    GetDataVersion,
    GetFeed,
    GetGraph,
    GetGraphKinds,
    GetMemberMarks,
    GetMembersGlance,
    GetMyMonth,
    GetPrivacy,
    GraphFormat,
    GraphInfo,
    GraphKindsReply,
    GraphReply,
    GuildConfig,
    HourThere,
    MarkFacts,
    MemberMarksReply,
    MembersGlanceReply,
    MyMonthReply,
    OpenWebSession,
    PrivacyReply,
    WebSessionReply,
)
from services.runtime.playtime import WindowHour, usual_hours, window_of
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry import days as stored_days
from services.telemetry import glance, schedules, store, websessions
from services.telemetry.analytics.charts import GRAPHS
from services.telemetry.analytics.options import OptionsError, StatsRequest, parse_stats_options
from services.telemetry.analytics.render import render
from services.telemetry.analytics.report import build_chart
from services.telemetry.analytics.worker import GraphWorker, RenderError
from services.telemetry.clock import day_from_number, day_number, local_days, parse_day
from services.telemetry.database import DatabaseThread, transaction
from services.telemetry.ingest import Recorder
from services.telemetry.sessions import sessions_between
from services.telemetry.stats import load_live_dataset

log = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366
WEEKS = glance.WEEKS
THERE_DAYS = 7
"""Who was there is shown to moderators for the hours of the last 7 days."""
TOP_CO_PLAYERS = 5


def draw_without(
    path: Path,
    guild_id: int,
    request: StatsRequest,
    now: datetime,
    hidden: frozenset[int],
    fmt: GraphFormat = "png",
) -> bytes:
    """Draw one graph from the live database, without the sessions of ``hidden`` members.

    Runs in the graph worker process.
    """
    dataset = load_live_dataset(path, guild_id, now)
    if hidden:
        sessions = tuple(s for s in dataset.sessions if s.user_id not in hidden)
        dataset = dataclasses.replace(dataset, sessions=sessions)
    return render(request.kind, build_chart(request, dataset, now), fmt)


def data_version(connection: sqlite3.Connection, guild_id: int, now: float) -> str:
    """Changes with any stay opened, closed or deleted, any opt-out or rename; while someone
    is in voice, every minute too (their open stay grows)."""
    stays, seconds, still_open = connection.execute(
        "SELECT count(*), total(seconds), total(seconds IS NULL) FROM voice_stays"
        " JOIN members ON members.id = voice_stays.member WHERE members.guild_id = ?",
        (guild_id,),
    ).fetchone()
    (hidden,) = connection.execute("SELECT count(*) FROM users WHERE telemetry_opt_out").fetchone()
    (names,) = connection.execute(
        "SELECT total(length(display_name)) FROM members WHERE guild_id = ?", (guild_id,)
    ).fetchone()
    minute = math.floor(now / 60) if still_open else 0
    return f"{stays}.{int(seconds)}.{int(still_open)}.{hidden}.{int(names)}.{minute}"


def member_marks(
    connection: sqlite3.Connection, guild_id: int, user_id: int, first: date, count: int
) -> list[DatedMark]:
    rows = connection.execute(
        "SELECT marks.day, marks.source, marks.hours, marks.cancelled, marks.at FROM marks"
        " JOIN members ON members.id = marks.member"
        " WHERE members.guild_id = ? AND members.user_id = ? AND marks.day BETWEEN ? AND ?"
        " ORDER BY marks.day, marks.source",
        (guild_id, user_id, day_number(first), day_number(first) + count - 1),
    ).fetchall()
    return [
        DatedMark(
            date=day_from_number(day).isoformat(),
            mark=MarkFacts(
                user_id=user_id,
                hour=hour,
                source=stored_days.SOURCES[source],
                cancelled=bool(cancelled >> hour & 1),
                at=float(at),
            ),
        )
        for day, source, hours, cancelled, at in rows
        for hour in range(24)
        if hours >> hour & 1
    ]


def feed(connection: sqlite3.Connection, guild_id: int, user_id: int, renew: bool) -> str:
    """The member's feed secret, made (or, ``renew``, replaced) here."""
    if not renew:
        row = connection.execute(
            "SELECT secret FROM calendar_feeds WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        ).fetchone()
        if row is not None:
            return str(row[0])
    secret = secrets.token_urlsafe(24)
    with transaction(connection):
        connection.execute(
            "INSERT INTO calendar_feeds (guild_id, user_id, secret) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET secret = excluded.secret",
            (guild_id, user_id, secret),
        )
    return secret


def feed_owner(connection: sqlite3.Connection, secret: str) -> tuple[int, int]:
    row = connection.execute(
        "SELECT guild_id, user_id FROM calendar_feeds WHERE secret = ?", (secret,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


class Dashboard:
    """Answers ``DashboardTelemetryRequest``s."""

    def __init__(
        self,
        db: DatabaseThread,
        recorder: Recorder,
        worker: GraphWorker,
        clock: Clock,
    ) -> None:
        self._db = db
        self._recorder = recorder
        self._worker = worker
        self._clock = clock

    async def answer(self, request: DashboardTelemetryRequest) -> DashboardTelemetryReply:
        db = self._db
        match request:
            case GetDataVersion(guild_id=guild_id):
                version = await db.call(data_version, guild_id, self._clock.now())
                return DataVersionReply(guild_id=guild_id, version=version)
            case GetGraphKinds():
                return GraphKindsReply(graphs=graph_kinds())
            case GetGraph():
                return await self._graph(request)
            case GetMembersGlance(guild_id=guild_id):
                return await db.call(self._glance, guild_id, self._clock.now())
            case GetMyMonth(guild_id=guild_id, user_id=user_id):
                return await db.call(self._month, guild_id, user_id, self._clock.now())
            case GetPrivacy(user_id=user_id):
                return PrivacyReply(user_id=user_id, opted_out=self._recorder.is_opted_out(user_id))
            case GetMemberMarks(guild_id=guild_id, user_id=user_id, first_day=text, days=count):
                first = _check_period(text, count)
                found = await db.call(member_marks, guild_id, user_id, first, count)
                return MemberMarksReply(marks=found)
            case GetFeed(guild_id=guild_id, user_id=user_id, renew=renew):
                secret = await db.call(feed, guild_id, user_id, renew)
                return FeedReply(guild_id=guild_id, user_id=user_id, secret=secret)
            case FindFeed(secret=secret):
                guild_id, user_id = await db.call(feed_owner, secret)
                return FeedReply(guild_id=guild_id, user_id=user_id, secret=secret)
            case OpenWebSession(token=token, user_id=user_id, guild_ids=guild_ids):
                await db.call(
                    websessions.open_session,
                    token,
                    user_id,
                    guild_ids,
                    request.opened,
                    request.expires,
                )
                return WebSessionReply(user_id=user_id, guild_ids=guild_ids)
            case FindWebSession(token=token):
                # Real time: a session's life is a timer, not community time.
                user_id, guild_ids = await db.call(websessions.find_session, token, wall_time())
                return WebSessionReply(user_id=user_id, guild_ids=guild_ids)
            case EndWebSessions(token=token, everywhere=everywhere):
                ended = await db.call(websessions.end_sessions, token, everywhere)
                return WebSessionReply(ended=ended)
            case _:
                assert_never(request)

    async def _graph(self, request: GetGraph) -> GraphReply:
        member = request.member or None
        days = None if request.graph == "week" else request.days
        checked = parse_stats_options(request.graph, days, member)
        if isinstance(checked, OptionsError):
            code = ErrorCode.BAD_PERIOD if "days" in checked.message else ErrorCode.BAD_REQUEST
            raise RequestRefused(code, checked.message.replace("`", ""))
        now = self._clock.now()
        version = await self._db.call(data_version, request.guild_id, now)
        hidden = frozenset(await self._db.call(store.opted_out_users))
        try:
            image = await self._worker.call(
                f"the dashboard's {checked.kind} graph",
                draw_without,
                self._db.path,
                request.guild_id,
                checked,
                datetime.fromtimestamp(now, UTC),
                hidden,
                request.format,
            )
        except LookupError:
            raise RequestRefused(
                ErrorCode.NO_DATA, "no voice activity has been recorded for this server yet"
            ) from None
        except RenderError as error:
            message = f"the graph could not be drawn: {error}"
            raise RequestRefused(ErrorCode.UNAVAILABLE, message) from None
        if request.format == "svg":
            return GraphReply(svg=image, version=version)
        return GraphReply(png=image, version=version)

    def _glance(
        self, connection: sqlite3.Connection, guild_id: int, now: float
    ) -> MembersGlanceReply:
        config = store.get_config(connection, guild_id)
        tz = zone_or_utc(config.timezone)
        today = glance.local_today(now, tz)
        start, _ = local_days(glance.first_day(today), 1, tz)
        hidden = store.opted_out_users(connection)
        sessions = sessions_between(connection, guild_id, start, now + 1)
        all_stays = glance.stays(sessions, now, hidden)
        past = past_days(connection, config, today, now, hidden) if config.reliability else []
        members = [
            user
            for (user,) in connection.execute(
                "SELECT user_id FROM members WHERE guild_id = ? AND NOT is_bot", (guild_id,)
            )
            if user not in hidden
        ]
        rows = glance.glance(members, all_stays, past, now, today, tz)
        there = []
        if config.reliability:
            by_user: dict[int, list[glance.Stay]] = {}
            for stay in all_stays:
                by_user.setdefault(stay.user_id, []).append(stay)
            week = past[-THERE_DAYS - 1 :]  # and the day before: its window may reach today
            shown_from = local_days(today - timedelta(days=THERE_DAYS - 1), 1, tz)[0]
            there = [
                HourThere(start=at, there=list(users))
                for at, users in glance.kept_hours(by_user, week, now).there
                if at >= shown_from
            ]
        return MembersGlanceReply(
            guild_id=guild_id,
            members=rows,
            opted_out=sorted(hidden),
            reliability=config.reliability,
            there=there,
        )

    def _month(
        self, connection: sqlite3.Connection, guild_id: int, user_id: int, now: float
    ) -> MyMonthReply:
        if self._recorder.is_opted_out(user_id):
            return MyMonthReply(guild_id=guild_id, user_id=user_id, opted_out=True)
        config = store.get_config(connection, guild_id)
        tz = zone_or_utc(config.timezone)
        today = glance.local_today(now, tz)
        start, _ = local_days(glance.first_day(today), 1, tz)
        hidden = store.opted_out_users(connection)
        all_stays = glance.stays(
            sessions_between(connection, guild_id, start, now + 1), now, hidden
        )
        mine = [s for s in all_stays if s.user_id == user_id]
        past = past_days(connection, config, today, now, hidden, only=user_id)
        reliability = glance.kept_hours({user_id: mine}, past, now)
        week, four = glance.totals(mine, today, tz)
        return MyMonthReply(
            guild_id=guild_id,
            user_id=user_id,
            weeks=glance.weekly_hours(mine, today, tz, WEEKS),
            co_players=glance.co_players(all_stays, user_id, TOP_CO_PLAYERS),
            hours_week=week,
            hours_4_weeks=four,
            marked_hours=reliability.marked.get(user_id, 0),
            kept_hours=reliability.kept.get(user_id, 0),
        )


def past_days(
    connection: sqlite3.Connection,
    config: GuildConfig,
    today: date,
    now: float,
    hidden: set[int],
    only: int = 0,
) -> list[glance.PastDay]:
    """The community days of the last 4 weeks, oldest first, each with its marks and who
    usually played each of its hours by the schedule in force at that hour (``only``: one
    member's marks and schedules)."""
    guild_id = config.guild_id
    history = schedules.versions(connection, guild_id, now)
    if only:
        history = {only: history.get(only, [])}
    past = []
    first = glance.first_day(today)
    states = stored_days.get_days(connection, guild_id, first, WEEKS * 7, only)
    for n, state in enumerate(states):
        day = first + timedelta(days=n)
        window = window_of(day, state.window or config)
        marks = [m for m in state.marks if m.user_id not in hidden]
        usual = {
            user: _usual_then(versions, day, window)
            for user, versions in history.items()
            if user not in hidden
        }
        past.append(glance.PastDay(window=window, marks=marks, usual=usual))
    return past


def _usual_then(
    history: Sequence[schedules.Version], day: date, window: Sequence[WindowHour]
) -> set[int]:
    """The hours of ``day`` the member's usual hours held when each hour began: an hour
    before their first save is nobody's usual hour."""
    held: set[int] = set()
    for hour in window:
        schedule = schedules.in_force(history, hour.start)
        if schedule is not None:
            held |= usual_hours(schedule, day, [hour])
    return held


def _check_period(text: str, count: int) -> date:
    try:
        first = parse_day(text)
    except ValueError:
        raise RequestRefused(ErrorCode.BAD_DATE, f"{text!r} is not a YYYY-MM-DD date") from None
    if not 1 <= count <= MAX_PERIOD_DAYS:
        raise RequestRefused(
            ErrorCode.BAD_PERIOD, f"a period is 1 to {MAX_PERIOD_DAYS} days, not {count}"
        )
    return first


def graph_kinds() -> list[GraphInfo]:
    """Every graph of ``GRAPHS`` as the dashboard offers it."""
    return [
        GraphInfo(
            name=kind.value,
            title=row.title,
            default_days=row.default_days,
            one_member=row.scope == "member",
        )
        for kind, row in GRAPHS.items()
    ]

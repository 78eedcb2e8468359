"""Each member's own page: usual hours and timezone, the days they are away, their month,
their switches, deleting their data, and their exports (CSV, and a calendar feed opened by a
secret address, which leaves out usual hours on days they are away)."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from bus.protocol import (
    Absence,
    AbsencesReply,
    BoardReply,
    FeedReply,
    FindFeed,
    ForgetMember,
    GetAbsences,
    GetBoard,
    GetFeed,
    GetGuildConfig,
    GetMember,
    GetMemberMarks,
    GetMyMonth,
    GetNudges,
    GetPrivacy,
    GetReminders,
    GetRoster,
    GetSchedules,
    GetTimezones,
    GetVoiceSessions,
    GuildConfigReply,
    MemberMarksReply,
    MemberReply,
    MyMonthReply,
    NudgeChoice,
    NudgesReply,
    PrivacyReply,
    ReminderChoice,
    RemindersReply,
    RosterReply,
    SchedulesReply,
    SetNudge,
    SetReminder,
    SetTelemetryOptOut,
    TimezonesReply,
    VoiceSessionsReply,
)
from services.runtime.playtime import DEFAULT_REMINDER, community_date, zone
from services.web import exports, figures
from services.web.access import check_csrf, member_access
from services.web.context import Web, web_of
from services.web.names import Names

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXPORT_DAYS = 366


async def me_page(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    guild_id, user_id = access.guild_id, access.visitor.user_id
    config = await site.ask("telemetry", GetGuildConfig(guild_id=guild_id), GuildConfigReply)
    usual = await site.ask(
        "telemetry", GetSchedules(guild_id=guild_id, user_ids=[user_id]), SchedulesReply
    )
    zones = await site.ask("telemetry", GetTimezones(user_ids=[user_id]), TimezonesReply)
    month = await site.ask(
        "telemetry", GetMyMonth(guild_id=guild_id, user_id=user_id), MyMonthReply
    )
    reminders = await site.ask("telemetry", GetReminders(guild_id=guild_id), RemindersReply)
    nudges = await site.ask("telemetry", GetNudges(guild_id=guild_id), NudgesReply)
    nudge = next((c for c in nudges.choices if c.user_id == user_id), None)
    privacy = await site.ask("telemetry", GetPrivacy(user_id=user_id), PrivacyReply)
    feed = await site.ask("telemetry", GetFeed(guild_id=guild_id, user_id=user_id), FeedReply)
    roster = await site.ask("scheduler", GetRoster(guild_id=guild_id), RosterReply)
    away = await _absences(site, guild_id, user_id, config.config.timezone)
    names = {m.user_id: m.display_name for m in roster.members}
    lines = []
    for schedule in usual.schedules:
        on = schedule.zone or f"{config.config.timezone}, the community's time"
        for weekday in range(7):
            hours = sorted(s.hour for s in schedule.slots if s.weekday == weekday)
            if hours:
                shown = ", ".join(f"{h:02d}:00" for h in hours)
                lines.append(f"{WEEKDAYS[weekday]}: {shown} ({on})")
    return site.page(
        "me.html",
        "My page",
        access=access,
        timezone=zones.timezones.get(user_id, ""),
        community_zone=config.config.timezone,
        usual=lines,
        away=[_away_text(a) for a in away if a.last >= _today_in(a.zone, site.clock.now())],
        month=month,
        partners=[(names.get(p.user_id, f"member {p.user_id}"), p.hours) for p in month.co_players],
        reminders=any(c.user_id == user_id for c in reminders.choices),
        nudges=nudge.wanted if nudge is not None else config.config.nudges,
        reliability_shown=config.config.reliability,
        opted_out=privacy.opted_out,
        feed_url=f"{site.base_url}/feed/{feed.secret}.ics",
    )


async def _absences(site: Web, guild_id: int, user_id: int, community: str) -> list[Absence]:
    """The member's absences that may still stand: from the community's yesterday, since
    each is dated on its own zone's calendar, which may be a day behind (``_today_in``
    tells which of them still do)."""
    since = community_date(site.clock.now(), zone(community)) - timedelta(days=1)
    request = GetAbsences(guild_id=guild_id, user_ids=[user_id], since=since.isoformat())
    return (await site.ask("telemetry", request, AbsencesReply)).absences


def _today_in(zone_name: str, now: float) -> str:
    return community_date(now, zone(zone_name)).isoformat()


def _away_text(absence: Absence) -> str:
    """``Saturday 14 March 2026 to Sunday 15 March 2026 (Europe/Paris) · note``."""
    days = figures.day(absence.first)
    if absence.last != absence.first:
        days += f" to {figures.day(absence.last)}"
    days += f" ({absence.zone})" if absence.zone else ""
    return f"{days} · {absence.note}" if absence.note else days


def _back(access_guild: int) -> web.HTTPFound:
    return web.HTTPFound(f"/g/{access_guild}/me")


async def set_reminders(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    form = await check_csrf(request, access.visitor)
    user_id = access.visitor.user_id
    choice = ReminderChoice(user_id=user_id, minutes=DEFAULT_REMINDER)
    on = form.get("on") == "1"
    # Through the scheduler, which sends the reminders: it stores the choice and uses it.
    await site.ask(
        "scheduler",
        SetReminder(guild_id=access.guild_id, user_id=user_id, choice=choice if on else None),
        RemindersReply,
    )
    raise _back(access.guild_id)


async def set_nudges(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    form = await check_csrf(request, access.visitor)
    user_id = access.visitor.user_id
    nudges = await site.ask("telemetry", GetNudges(guild_id=access.guild_id), NudgesReply)
    kept = next((c for c in nudges.choices if c.user_id == user_id), None)
    quiet = kept or NudgeChoice(user_id=user_id)  # the quiet hours stay as chosen
    choice = NudgeChoice(
        user_id=user_id,
        wanted=form.get("on") == "1",
        quiet_start=quiet.quiet_start,
        quiet_end=quiet.quiet_end,
    )
    await site.ask(
        "scheduler", SetNudge(guild_id=access.guild_id, user_id=user_id, choice=choice), NudgesReply
    )
    raise _back(access.guild_id)


async def set_telemetry(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    form = await check_csrf(request, access.visitor)
    opted_out = form.get("opt_out") == "1"
    await site.ask(
        "scheduler",  # which forwards it, and stops using the member's voice record for nudges
        SetTelemetryOptOut(user_id=access.visitor.user_id, opted_out=opted_out),
        PrivacyReply,
    )
    raise _back(access.guild_id)


async def delete_page(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    return site.page("delete.html", "Delete my data", access=access, done=None)


async def delete_data(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    form = await check_csrf(request, access.visitor)
    if form.get("confirm") != "yes":
        raise web.HTTPBadRequest(text="Tick the box to confirm: nothing was deleted.")
    # Through the scheduler: it forwards to telemetry, then forgets what it keeps in memory.
    reply = await site.ask(
        "scheduler", ForgetMember(user_id=access.visitor.user_id), PrivacyReply, timeout=35.0
    )
    return site.page("delete.html", "Delete my data", access=access, done=reply.deleted_rows)


async def renew_feed(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    await check_csrf(request, access.visitor)
    renew = GetFeed(guild_id=access.guild_id, user_id=access.visitor.user_id, renew=True)
    await site.ask("telemetry", renew, FeedReply)
    raise _back(access.guild_id)


async def _today(site: Web, guild_id: int) -> tuple[GuildConfigReply, str]:
    config = await site.ask("telemetry", GetGuildConfig(guild_id=guild_id), GuildConfigReply)
    return config, community_date(site.clock.now(), zone(config.config.timezone)).isoformat()


async def my_sessions_csv(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    user_id = access.visitor.user_id
    _, today = await _today(site, access.guild_id)
    first = _year_before(today)
    found = await site.ask(
        "telemetry",
        GetVoiceSessions(
            guild_id=access.guild_id, first_day=first, days=EXPORT_DAYS, user_id=user_id
        ),
        VoiceSessionsReply,
    )
    roster = await site.ask("scheduler", GetRoster(guild_id=access.guild_id), RosterReply)
    table = exports.sessions_csv(found.sessions, Names.of(roster))
    return exports.download(table, "my-voice-sessions.csv")


async def my_marks_csv(request: web.Request) -> web.Response:
    site = web_of(request)
    access = await member_access(request, site.bus)
    _, today = await _today(site, access.guild_id)
    found = await site.ask(
        "telemetry",
        GetMemberMarks(
            guild_id=access.guild_id,
            user_id=access.visitor.user_id,
            first_day=_year_before(today),
            days=EXPORT_DAYS,
        ),
        MemberMarksReply,
    )
    return exports.download(exports.marks_csv(found.marks), "my-marks.csv")


def _year_before(today: str) -> str:
    return (date.fromisoformat(today) - timedelta(days=EXPORT_DAYS - 1)).isoformat()


async def feed(request: web.Request) -> web.Response:
    """The calendar feed: no cookie (calendar apps send none), the secret in the address.
    A secret that was renewed, or a member who left the guild, opens nothing."""
    site = web_of(request)
    secret = request.match_info["secret"]
    owner = await site.ask("telemetry", FindFeed(secret=secret[:100]), FeedReply)
    if not owner.user_id:
        raise web.HTTPNotFound(text="No such calendar (its address may have been renewed).")
    guild_id, user_id = owner.guild_id, owner.user_id
    member = await site.ask("scheduler", GetMember(guild_id=guild_id, user_id=user_id), MemberReply)
    if member.member is None:
        raise web.HTTPNotFound(text="No such calendar.")
    config, today = await _today(site, guild_id)
    board = await site.ask("scheduler", GetBoard(guild_id=guild_id), BoardReply)
    playing = [
        hour.start for hour in board.hours if any(p.user_id == user_id for p in hour.players)
    ]
    usual = await site.ask(
        "telemetry", GetSchedules(guild_id=guild_id, user_ids=[user_id]), SchedulesReply
    )
    first = date.fromisoformat(today)
    if board.date == today:
        first += timedelta(days=1)  # today is the board's, usual hours taken back included
    away = await _absences(site, guild_id, user_id, config.config.timezone)
    ahead = exports.usual_starts(
        usual.schedules[0] if usual.schedules else None,
        config.config,
        first,
        exports.FEED_DAYS,
        away,
    )
    body = exports.feed_ics(
        guild_id=guild_id,
        user_id=user_id,
        guild_name=member.guild_name,
        today=playing,
        usual=ahead,
        stamp=site.clock.now(),
    )
    return web.Response(body=body, content_type="text/calendar", charset="utf-8")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/g/{guild_id}/me", me_page),
        web.post("/g/{guild_id}/me/reminders", set_reminders),
        web.post("/g/{guild_id}/me/nudges", set_nudges),
        web.post("/g/{guild_id}/me/telemetry", set_telemetry),
        web.get("/g/{guild_id}/me/delete", delete_page),
        web.post("/g/{guild_id}/me/delete", delete_data),
        web.post("/g/{guild_id}/me/feed", renew_feed),
        web.get("/g/{guild_id}/me/sessions.csv", my_sessions_csv),
        web.get("/g/{guild_id}/me/marks.csv", my_marks_csv),
        web.get("/feed/{secret}.ics", feed),
    ]

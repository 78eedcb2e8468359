"""Voice sessions over a period of community days, kept by ``sessions``."""

from __future__ import annotations

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import GetVoiceSessions, VoiceSessionsReply
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry import store
from services.telemetry.answers.context import Context
from services.telemetry.checks import MAX_PERIOD_DAYS, check_day
from services.telemetry.clock import local_days
from services.telemetry.sessions import sessions_between


async def answer(context: Context, request: GetVoiceSessions) -> VoiceSessionsReply:
    """The sessions of ``request.days`` days from ``first_day``, midnights in the guild's zone."""
    first = check_day(request.first_day)
    count = request.days
    if not 1 <= count <= MAX_PERIOD_DAYS:
        raise RequestRefused(
            ErrorCode.BAD_PERIOD, f"a period is 1 to {MAX_PERIOD_DAYS} days, not {count}"
        )
    guild_id = request.guild_id
    zone = zone_or_utc(await context.db.call(store.guild_timezone, guild_id))
    start, end = local_days(first, count, zone)
    sessions = await context.db.call(sessions_between, guild_id, start, end, request.user_id)
    return VoiceSessionsReply(guild_id=guild_id, start=start, end=end, sessions=sessions)

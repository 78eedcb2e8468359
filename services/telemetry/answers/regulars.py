"""Who usually plays on a weekday, and with whom, found by ``regulars``."""

from __future__ import annotations

from bus.protocol import GetRegulars, Regular, RegularsReply
from services.telemetry import regulars
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_day, check_regulars


async def answer(context: Context, request: GetRegulars) -> RegularsReply:
    """The members who played ``request.date``'s weekday in enough of the last weeks."""
    day = check_day(request.date)
    check_regulars(request)
    found = await context.db.call(
        regulars.find_regulars,
        request.guild_id,
        day,
        weeks=request.weeks,
        min_weeks=request.min_weeks,
        partners=request.partners,
    )
    return RegularsReply(
        guild_id=request.guild_id,
        date=request.date,
        regulars=[
            Regular(user_id=r.user_id, weeks=r.weeks, partners=list(r.partners)) for r in found
        ],
    )

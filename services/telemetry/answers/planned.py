"""Members' hours planned on another day, kept by ``planned``."""

from __future__ import annotations

from typing import assert_never

import msgspec

from bus.protocol import GetPlans, PlansReply, SetPlans
from services.telemetry import planned
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_day, check_plan

PlanRequest = GetPlans | SetPlans


async def answer(context: Context, request: PlanRequest) -> PlansReply:
    """Read or save planned hours, stamped with the calendar clock when unstamped."""
    db = context.db
    match request:
        case GetPlans(guild_id=guild_id, user_ids=user_ids, since=since):
            after = check_day(since) if since else None
            found = await db.call(planned.get_plans, guild_id, user_ids, after)
            return PlansReply(guild_id=guild_id, plans=found)
        case SetPlans(guild_id=guild_id, user_id=user_id, plans=plans):
            for plan in plans:
                check_plan(plan, user_id)
            now = context.clock.now()
            stamped = [p if p.at else msgspec.structs.replace(p, at=now) for p in plans]
            stored = await db.call(planned.set_plans, guild_id, user_id, stamped)
            return PlansReply(guild_id=guild_id, plans=stored)
        case _:
            assert_never(request)

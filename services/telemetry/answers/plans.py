"""Members' usual hours, kept by ``schedules``; saving one member's never touches another's."""

from __future__ import annotations

from typing import assert_never

from bus.protocol import ClearSchedule, GetSchedules, SchedulesReply, SetSchedule
from services.telemetry import schedules
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_schedule

ScheduleRequest = GetSchedules | SetSchedule | ClearSchedule


async def answer(context: Context, request: ScheduleRequest) -> SchedulesReply:
    """Read, save or clear usual hours, stamped with the calendar clock."""
    db = context.db
    match request:
        case GetSchedules(guild_id=guild_id, user_ids=user_ids):
            found = await db.call(schedules.get_schedules, guild_id, user_ids)
            return SchedulesReply(guild_id=guild_id, schedules=found)
        case SetSchedule(guild_id=guild_id, schedule=schedule):
            check_schedule(schedule)
            saved = await db.call(schedules.set_schedule, guild_id, schedule, context.clock.now())
            return SchedulesReply(guild_id=guild_id, schedules=saved)
        case ClearSchedule(guild_id=guild_id, user_id=user_id):
            await db.call(schedules.clear_schedule, guild_id, user_id, context.clock.now())
            return SchedulesReply(guild_id=guild_id, schedules=[])
        case _:
            assert_never(request)

"""Members' absences from one date to another, kept by ``absences``."""

from __future__ import annotations

from typing import assert_never

import msgspec

from bus.protocol import AbsencesReply, CancelAbsence, GetAbsences, SetAbsence
from services.telemetry import absences
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_absence, check_day

AbsenceRequest = GetAbsences | SetAbsence | CancelAbsence


async def answer(context: Context, request: AbsenceRequest) -> AbsencesReply:
    """Read, save or cancel absences, stamped with the calendar clock when unstamped."""
    db = context.db
    match request:
        case GetAbsences(guild_id=guild_id, user_ids=user_ids, since=since):
            after = check_day(since) if since else None
            found = await db.call(absences.get_absences, guild_id, user_ids, after)
            return AbsencesReply(guild_id=guild_id, absences=found)
        case SetAbsence(guild_id=guild_id, absence=absence):
            check_absence(absence)
            stamped = (
                absence if absence.at else msgspec.structs.replace(absence, at=context.clock.now())
            )
            stored = await db.call(absences.set_absence, guild_id, stamped)
            return AbsencesReply(guild_id=guild_id, absences=stored)
        case CancelAbsence(guild_id=guild_id, user_id=user_id, first=first, at=at):
            day = check_day(first)
            taken = await db.call(
                absences.cancel_absence, guild_id, user_id, day, at or context.clock.now()
            )
            return AbsencesReply(guild_id=guild_id, absences=taken)
        case _:
            assert_never(request)

"""The telemetry's typed request API: each request routed to the answer module that owns it.

Validation is pure and happens on the event loop (``services.telemetry.checks``); a bad
request is refused with a ``RequestRefused`` whose code is stable (``bad_timezone``,
``bad_window``, ``bad_hour``...). The store runs on the database thread. A new request is
one arm here and its handler beside the others of its owner; mypy refuses a request
without an arm (``assert_never``).
"""

from __future__ import annotations

from typing import assert_never

from bus.clock import Clock
from bus.protocol import (
    Backup,
    CancelAbsence,
    ClaimDelivery,
    ClearSchedule,
    FinishDelivery,
    ForgetMember,
    GetAbsences,
    GetDayState,
    GetDeliveries,
    GetGuildConfig,
    GetNudges,
    GetPlans,
    GetRegulars,
    GetReminders,
    GetSchedules,
    GetTimezones,
    GetVoiceSessions,
    RecordDailyPost,
    RecordDmsClosed,
    RecordMark,
    RecordMarks,
    SetAbsence,
    SetGuildConfig,
    SetNudge,
    SetPlans,
    SetReminder,
    SetSchedule,
    SetTelemetryOptOut,
    SetTimezone,
    TelemetryReply,
    TelemetryRequest,
)
from services.telemetry.answers import (
    absences,
    backup,
    daily,
    deliveries,
    planned,
    plans,
    privacy,
    regulars,
    settings,
    voice,
)
from services.telemetry.answers.context import Context
from services.telemetry.database import DatabaseThread
from services.telemetry.ingest import Recorder


class Requests:
    """Answers ``TelemetryRequest``s from the database."""

    def __init__(
        self,
        db: DatabaseThread,
        recorder: Recorder,
        clock: Clock,
    ) -> None:
        self._context = Context(db, recorder, clock)

    async def answer(self, request: TelemetryRequest) -> TelemetryReply:
        """The reply to ``request``; raises RequestRefused for a bad one."""
        context = self._context
        match request:
            case GetGuildConfig() | SetGuildConfig() | GetTimezones() | SetTimezone():
                return await settings.answer(context, request)
            case GetSchedules() | SetSchedule() | ClearSchedule():
                return await plans.answer(context, request)
            case GetDayState() | RecordDailyPost() | RecordMark() | RecordMarks():
                return await daily.answer(context, request)
            case GetVoiceSessions():
                return await voice.answer(context, request)
            case SetTelemetryOptOut() | ForgetMember():
                return await privacy.answer(context, request)
            case GetReminders() | SetReminder() | GetNudges() | SetNudge() | RecordDmsClosed():
                return await deliveries.choices(context, request)
            case ClaimDelivery() | FinishDelivery() | GetDeliveries():
                return await deliveries.sends(context, request)
            case GetRegulars():
                return await regulars.answer(context, request)
            case GetAbsences() | SetAbsence() | CancelAbsence():
                return await absences.answer(context, request)
            case GetPlans() | SetPlans():
                return await planned.answer(context, request)
            case Backup():
                return await backup.answer(context, request)
            case _:
                assert_never(request)

"""A member's telemetry opt-out and their right to be forgotten, applied by the recorder."""

from __future__ import annotations

import sqlite3
from typing import assert_never

from bus.protocol import ForgetMember, PrivacyReply, SetTelemetryOptOut
from services.telemetry import store
from services.telemetry.answers.context import Context
from services.telemetry.ingest import Recorder

PrivacyRequest = SetTelemetryOptOut | ForgetMember


async def answer(context: Context, request: PrivacyRequest) -> PrivacyReply:
    """Record the choice, or delete every row about the member (the reply counts them)."""
    recorder = context.recorder
    match request:
        case SetTelemetryOptOut(user_id=user_id, opted_out=opted_out):
            await context.db.call(recorder.set_opt_out, user_id, opted_out, context.clock.now())
            return PrivacyReply(user_id=user_id, opted_out=opted_out)
        case ForgetMember(user_id=user_id):
            deleted = await context.db.call(_forget, recorder, user_id)
            return PrivacyReply(
                user_id=user_id, opted_out=recorder.is_opted_out(user_id), deleted_rows=deleted
            )
        case _:
            assert_never(request)


def _forget(connection: sqlite3.Connection, recorder: Recorder, user_id: int) -> int:
    deleted = store.forget_user(connection, user_id)
    recorder.forget(user_id)
    return deleted

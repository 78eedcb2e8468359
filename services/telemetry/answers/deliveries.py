"""Reminders, nudges and the sends made once for them, kept by ``deliveries``."""

from __future__ import annotations

from typing import assert_never

import msgspec

from bus.clock import Clock
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    ClaimDelivery,
    DeliveriesReply,
    Delivery,
    DeliveryReply,
    Done,
    FinishDelivery,
    GetDeliveries,
    GetNudges,
    GetReminders,
    NudgesReply,
    RecordDmsClosed,
    RemindersReply,
    SetNudge,
    SetReminder,
)
from services.telemetry import deliveries
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_day, check_delivery, check_nudge, check_reminder

ChoiceRequest = GetReminders | SetReminder | GetNudges | SetNudge | RecordDmsClosed
DeliveryRequest = ClaimDelivery | FinishDelivery | GetDeliveries


async def choices(context: Context, request: ChoiceRequest) -> RemindersReply | NudgesReply | Done:
    """Read or save members' reminder and nudge choices, or whether their DMs are closed."""
    db = context.db
    match request:
        case GetReminders(guild_id=guild_id):
            found, closed = await db.call(deliveries.get_reminders, guild_id)
            return RemindersReply(guild_id=guild_id, choices=found, dms_closed=closed)
        case SetReminder(guild_id=guild_id, user_id=user_id, choice=choice):
            if choice is not None:
                check_reminder(choice, user_id)
            await db.call(deliveries.set_reminder, guild_id, user_id, choice)
            return RemindersReply(guild_id=guild_id, choices=[choice] if choice else [])
        case GetNudges(guild_id=guild_id):
            nudges = await db.call(deliveries.get_nudges, guild_id)
            return NudgesReply(guild_id=guild_id, choices=nudges)
        case SetNudge(guild_id=guild_id, user_id=user_id, choice=nudge):
            check_nudge(nudge, user_id)
            await db.call(deliveries.set_nudge, guild_id, nudge)
            return NudgesReply(guild_id=guild_id, choices=[nudge])
        case RecordDmsClosed(user_id=user_id, closed=closed):
            await db.call(deliveries.record_dms_closed, user_id, closed)
            return Done()
        case _:
            assert_never(request)


async def sends(context: Context, request: DeliveryRequest) -> DeliveryReply | DeliveriesReply:
    """Claim a send (``fresh`` only for the first claim), finish it, or list a day's sends."""
    db = context.db
    match request:
        case ClaimDelivery(delivery=delivery):
            check_delivery(delivery)
            claimed, fresh = await db.call(deliveries.claim, _stamped(delivery, context.clock))
            return DeliveryReply(delivery=claimed, fresh=fresh)
        case FinishDelivery(delivery=delivery):
            check_delivery(delivery)
            if delivery.state == "claimed" and not delivery.channel_id:
                raise RequestRefused(ErrorCode.BAD_REQUEST, "finish a delivery as sent or dropped")
            finished = await db.call(deliveries.finish, _stamped(delivery, context.clock))
            return DeliveryReply(delivery=finished)
        case GetDeliveries(guild_id=guild_id, date=text):
            check_day(text)
            return DeliveriesReply(
                deliveries=await db.call(deliveries.get_deliveries, guild_id, text)
            )
        case _:
            assert_never(request)


def _stamped(delivery: Delivery, clock: Clock) -> Delivery:
    return delivery if delivery.at else msgspec.structs.replace(delivery, at=clock.now())

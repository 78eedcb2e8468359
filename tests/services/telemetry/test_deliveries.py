"""Reminder choices and deliveries: claimed once, finished once, remembered refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import (
    ClaimDelivery,
    DeliveriesReply,
    Delivery,
    DeliveryReply,
    Done,
    FinishDelivery,
    ForgetMember,
    GetDeliveries,
    GetReminders,
    RecordDmsClosed,
    ReminderChoice,
    RemindersReply,
    SetReminder,
    TelemetryRequest,
)
from tests.helpers import run
from tests.services.telemetry.test_requests import ask

GUILD, ANN, BOB = 1000, 1, 2
DAY = "2026-03-10"


def _reminder(user: int = ANN, hour: int = 19, **fields: object) -> Delivery:
    return Delivery(guild_id=GUILD, date=DAY, hour=hour, user_id=user, kind="reminder", **fields)  # type: ignore[arg-type]


def test_choices_round_trip_and_refused_dms_are_remembered(db_path: Path) -> None:
    """Ann's 30 minutes by DM and Bob's channel reminders come back; Ann's closed DMs are
    remembered until forgotten; off removes the choice."""
    replies = run(
        ask(
            db_path,
            SetReminder(guild_id=GUILD, user_id=ANN, choice=ReminderChoice(ANN, minutes=30)),
            SetReminder(guild_id=GUILD, user_id=BOB, choice=ReminderChoice(BOB, channel=True)),
            RecordDmsClosed(user_id=ANN),
            GetReminders(guild_id=GUILD),
            SetReminder(guild_id=GUILD, user_id=BOB),
            RecordDmsClosed(user_id=ANN, closed=False),
            GetReminders(guild_id=GUILD),
        ),
        timeout=10,
    )
    assert replies[2] == Done()
    assert replies[3] == RemindersReply(
        guild_id=GUILD,
        choices=[ReminderChoice(ANN, minutes=30), ReminderChoice(BOB, channel=True)],
        dms_closed=[ANN],
    )
    assert replies[6] == RemindersReply(guild_id=GUILD, choices=[ReminderChoice(ANN, minutes=30)])


def test_a_second_claim_finds_the_first_and_a_finish_is_final(db_path: Path) -> None:
    """Claim twice: fresh once. Finished as sent, a late 'dropped' does not undo it."""
    replies = run(
        ask(
            db_path,
            ClaimDelivery(delivery=_reminder(at=100.0)),
            ClaimDelivery(delivery=_reminder(at=200.0)),
            FinishDelivery(delivery=_reminder(state="sent", channel_id=5, message_id=6, at=300.0)),
            FinishDelivery(delivery=_reminder(state="dropped", at=400.0)),
            ClaimDelivery(delivery=_reminder(at=500.0)),
            ClaimDelivery(delivery=_reminder(hour=20, at=600.0)),
            GetDeliveries(guild_id=GUILD, date=DAY),
        ),
        timeout=10,
    )
    assert replies[0] == DeliveryReply(delivery=_reminder(at=100.0), fresh=True)
    assert replies[1] == DeliveryReply(delivery=_reminder(at=100.0), fresh=False)
    sent = _reminder(state="sent", channel_id=5, message_id=6, at=300.0)
    assert replies[2] == DeliveryReply(delivery=sent)
    assert replies[3] == DeliveryReply(delivery=sent)
    assert replies[4] == DeliveryReply(delivery=sent, fresh=False)
    assert replies[6] == DeliveriesReply(deliveries=[sent, _reminder(hour=20, at=600.0)])


def test_forgetting_a_member_forgets_their_reminders(db_path: Path) -> None:
    """ForgetMember deletes Ann's choice, deliveries and refusal, not Bob's."""
    replies = run(
        ask(
            db_path,
            SetReminder(guild_id=GUILD, user_id=ANN, choice=ReminderChoice(ANN)),
            SetReminder(guild_id=GUILD, user_id=BOB, choice=ReminderChoice(BOB)),
            RecordDmsClosed(user_id=ANN),
            ClaimDelivery(delivery=_reminder(at=1.0)),
            ClaimDelivery(delivery=_reminder(user=BOB, at=1.0)),
            ForgetMember(user_id=ANN),
            GetReminders(guild_id=GUILD),
            GetDeliveries(guild_id=GUILD, date=DAY),
        ),
        timeout=10,
    )
    assert replies[6] == RemindersReply(guild_id=GUILD, choices=[ReminderChoice(BOB)])
    assert replies[7] == DeliveriesReply(deliveries=[_reminder(user=BOB, at=1.0)])


BAD = [
    (
        SetReminder(guild_id=GUILD, user_id=ANN, choice=ReminderChoice(ANN, minutes=0)),
        "bad_minutes",
    ),
    (
        SetReminder(guild_id=GUILD, user_id=ANN, choice=ReminderChoice(ANN, minutes=500)),
        "bad_minutes",
    ),
    (SetReminder(guild_id=GUILD, user_id=ANN, choice=ReminderChoice(BOB)), "bad_request"),
    (ClaimDelivery(delivery=_reminder(hour=24)), "bad_hour"),
    (
        ClaimDelivery(
            delivery=Delivery(guild_id=GUILD, date="10/03", hour=1, user_id=ANN, kind="call")
        ),
        "bad_date",
    ),
    (FinishDelivery(delivery=_reminder()), "bad_request"),
    (GetDeliveries(guild_id=GUILD, date="tomorrow"), "bad_date"),
]


@pytest.mark.parametrize(
    ("request_", "code"), BAD, ids=[f"{code}-{n}" for n, (_, code) in enumerate(BAD)]
)
def test_bad_reminder_requests_are_refused(
    db_path: Path, request_: TelemetryRequest, code: str
) -> None:
    """Minutes 0 or 500, another member's choice, a bad hour or date, an empty finish."""
    with pytest.raises(RequestRefused) as refused:
        run(ask(db_path, request_), timeout=10)
    assert refused.value.code == code

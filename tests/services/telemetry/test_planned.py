"""Planned hours: stored once per member, day and hour, taken back for good, refused when
wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import ForgetMember, GetPlans, Plan, PlansReply, SetPlans, TelemetryRequest
from tests.helpers import run
from tests.services.telemetry.test_requests import ask

GUILD, ANN, BOB = 1000, 1, 2


def _plan(day: str, hour: int, *, user: int = ANN, at: float = 100.0, **more: object) -> Plan:
    return Plan(user_id=user, day=day, hour=hour, at=at, **more)  # type: ignore[arg-type]


def _set(*plans: Plan, user: int = ANN) -> SetPlans:
    return SetPlans(guild_id=GUILD, user_id=user, plans=list(plans))


def _rows(reply: object) -> list[tuple[int, str, int]]:
    assert isinstance(reply, PlansReply)
    return [(p.user_id, p.day, p.hour) for p in reply.plans]


def test_set_list_and_take_back(db_path: Path) -> None:
    """Ann's hours on two days and Bob's come back by member, day and hour; ``since`` leaves
    earlier days out; an hour taken back is gone and the reply lists the day's others."""
    replies = run(
        ask(
            db_path,
            _set(_plan("2026-03-17", 21), _plan("2026-03-17", 20), _plan("2026-03-12", 19)),
            _set(_plan("2026-03-18", 18, user=BOB), user=BOB),
            GetPlans(guild_id=GUILD),
            GetPlans(guild_id=GUILD, user_ids=[ANN], since="2026-03-13"),
            _set(_plan("2026-03-17", 21, cancelled=True, at=200.0)),
            GetPlans(guild_id=GUILD, since="2026-03-13"),
        ),
        timeout=10,
    )
    assert _rows(replies[0]) == [
        (ANN, "2026-03-12", 19),
        (ANN, "2026-03-17", 20),
        (ANN, "2026-03-17", 21),
    ]
    assert _rows(replies[2]) == [
        (ANN, "2026-03-12", 19),
        (ANN, "2026-03-17", 20),
        (ANN, "2026-03-17", 21),
        (BOB, "2026-03-18", 18),
    ]
    assert _rows(replies[3]) == [(ANN, "2026-03-17", 20), (ANN, "2026-03-17", 21)]
    assert _rows(replies[4]) == [(ANN, "2026-03-17", 20)]
    assert _rows(replies[5]) == [(ANN, "2026-03-17", 20), (BOB, "2026-03-18", 18)]


def test_re_sends_change_nothing(db_path: Path) -> None:
    """A plan sent twice is one row; its take-back sent twice answers the same; the plan's
    late copy after it does not bring it back; a newer plan does; on the same instant
    taking back wins."""
    planned = _set(_plan("2026-03-17", 21))
    taken = _set(_plan("2026-03-17", 21, cancelled=True, at=200.0))
    replies = run(
        ask(
            db_path,
            planned,
            planned,
            GetPlans(guild_id=GUILD),
            taken,
            taken,
            planned,
            GetPlans(guild_id=GUILD),
            _set(_plan("2026-03-17", 21, at=300.0)),
            _set(_plan("2026-03-17", 21, at=300.0, cancelled=True)),
            GetPlans(guild_id=GUILD),
        ),
        timeout=10,
    )
    assert replies[0] == replies[1]
    assert _rows(replies[2]) == [(ANN, "2026-03-17", 21)]
    assert replies[3] == replies[4] == PlansReply(guild_id=GUILD)
    assert _rows(replies[6]) == []
    assert _rows(replies[7]) == [(ANN, "2026-03-17", 21)]
    assert _rows(replies[9]) == []


def test_forgetting_a_member_deletes_their_plans(db_path: Path) -> None:
    """ForgetMember leaves no plan behind."""
    replies = run(
        ask(
            db_path,
            _set(_plan("2026-03-17", 21)),
            ForgetMember(user_id=ANN),
            GetPlans(guild_id=GUILD),
        ),
        timeout=10,
    )
    assert replies[2] == PlansReply(guild_id=GUILD)


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (_set(_plan("2026-3-17", 21)), "bad_date"),
        (_set(_plan("2026-02-30", 21)), "bad_date"),
        (_set(_plan("2026-03-17", 24)), "bad_hour"),
        (_set(_plan("2026-03-17", 21, user=BOB)), "bad_request"),
        (GetPlans(guild_id=GUILD, since="soon"), "bad_date"),
    ],
)
def test_bad_plans_are_refused(db_path: Path, request_: TelemetryRequest, code: str) -> None:
    """Malformed or impossible days, an hour past 23, another member's plan; nothing stored."""
    with pytest.raises(RequestRefused) as refused:
        run(ask(db_path, request_), timeout=10)
    assert refused.value.code == code
    assert run(ask(db_path, GetPlans(guild_id=GUILD)), timeout=10) == [PlansReply(guild_id=GUILD)]

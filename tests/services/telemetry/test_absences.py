"""Absences: stored once per member and first day, taken back for good, refused when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import (
    Absence,
    AbsencesReply,
    CancelAbsence,
    ForgetMember,
    GetAbsences,
    SetAbsence,
    TelemetryRequest,
)
from tests.helpers import run
from tests.services.telemetry.serving import serving
from tests.services.telemetry.test_requests import ask

GUILD, ANN, BOB = 1000, 1, 2
PARIS = "Europe/Paris"


def _away(first: str, last: str, *, user: int = ANN, at: float = 100.0, **more: object) -> Absence:
    return Absence(user_id=user, first=first, last=last, zone=PARIS, at=at, **more)  # type: ignore[arg-type]


def test_set_list_and_cancel(db_path: Path) -> None:
    """Ann's two absences and Bob's come back by member and day; an ended one is left out
    from a later day on; a cancelled one is gone from the list."""
    trip = _away("2026-03-14", "2026-03-15", note="Lyon")
    replies = run(
        ask(
            db_path,
            SetAbsence(guild_id=GUILD, absence=trip),
            SetAbsence(guild_id=GUILD, absence=_away("2026-03-01", "2026-03-02")),
            SetAbsence(guild_id=GUILD, absence=_away("2026-03-20", "2026-03-20", user=BOB)),
            GetAbsences(guild_id=GUILD),
            GetAbsences(guild_id=GUILD, since="2026-03-10", user_ids=[ANN]),
            CancelAbsence(guild_id=GUILD, user_id=ANN, first="2026-03-14", at=200.0),
            GetAbsences(guild_id=GUILD, since="2026-03-10"),
        ),
        timeout=10,
    )
    assert replies[0] == AbsencesReply(guild_id=GUILD, absences=[trip])
    assert [(a.user_id, a.first) for a in replies[3].absences] == [  # type: ignore[union-attr]
        (ANN, "2026-03-01"),
        (ANN, "2026-03-14"),
        (BOB, "2026-03-20"),
    ]
    assert replies[4] == AbsencesReply(guild_id=GUILD, absences=[trip])
    cancelled = _away("2026-03-14", "2026-03-15", note="Lyon", cancelled=True, at=200.0)
    assert replies[5] == AbsencesReply(guild_id=GUILD, absences=[cancelled])
    assert [a.user_id for a in replies[6].absences] == [BOB]  # type: ignore[union-attr]


def test_re_sends_change_nothing(db_path: Path) -> None:
    """A set sent twice is one row; a cancel sent twice answers the same; the set's late
    copy after its cancel does not bring it back; a newer set (other days) replaces it."""
    trip = _away("2026-03-14", "2026-03-15")
    cancel = CancelAbsence(guild_id=GUILD, user_id=ANN, first="2026-03-14", at=200.0)
    replies = run(
        ask(
            db_path,
            SetAbsence(guild_id=GUILD, absence=trip),
            SetAbsence(guild_id=GUILD, absence=trip),
            GetAbsences(guild_id=GUILD),
            cancel,
            cancel,
            SetAbsence(guild_id=GUILD, absence=trip),
            GetAbsences(guild_id=GUILD),
            SetAbsence(guild_id=GUILD, absence=_away("2026-03-14", "2026-03-16", at=300.0)),
            GetAbsences(guild_id=GUILD),
        ),
        timeout=10,
    )
    assert replies[2] == AbsencesReply(guild_id=GUILD, absences=[trip])
    assert replies[3] == replies[4]
    assert replies[3].absences  # type: ignore[union-attr]
    assert replies[6] == AbsencesReply(guild_id=GUILD)
    assert [a.last for a in replies[8].absences] == ["2026-03-16"]  # type: ignore[union-attr]


def test_forgetting_a_member_deletes_their_absences(db_path: Path) -> None:
    """ForgetMember leaves no absence behind."""
    replies = run(
        ask(
            db_path,
            SetAbsence(guild_id=GUILD, absence=_away("2026-03-14", "2026-03-15")),
            ForgetMember(user_id=ANN),
            GetAbsences(guild_id=GUILD),
        ),
        timeout=10,
    )
    assert replies[2] == AbsencesReply(guild_id=GUILD)


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (SetAbsence(guild_id=GUILD, absence=_away("2026-03-15", "2026-03-14")), "bad_absence"),
        (SetAbsence(guild_id=GUILD, absence=_away("2026-3-14", "2026-03-15")), "bad_date"),
        (SetAbsence(guild_id=GUILD, absence=_away("2026-03-14", "2026-02-30")), "bad_date"),
        (
            SetAbsence(guild_id=GUILD, absence=_away("2026-03-14", "2026-03-15", note="x" * 101)),
            "bad_absence",
        ),
        (
            SetAbsence(
                guild_id=GUILD,
                absence=Absence(user_id=ANN, first="2026-03-14", last="2026-03-15", zone="Mars"),
            ),
            "bad_timezone",
        ),
        (CancelAbsence(guild_id=GUILD, user_id=ANN, first="soon"), "bad_date"),
    ],
)
def test_bad_absences_are_refused(db_path: Path, request_: TelemetryRequest, code: str) -> None:
    """Backwards, malformed or impossible dates, a long note and an unknown zone."""
    with pytest.raises(RequestRefused) as refused:
        run(ask(db_path, request_), timeout=10)
    assert refused.value.code == code


@pytest.mark.within(10)
async def test_an_overlapping_absence_is_refused_and_changes_nothing(db_path: Path) -> None:
    """Ann away 14-15 March cannot also be away 15-20 March; the first stays."""
    first = SetAbsence(guild_id=GUILD, absence=_away("2026-03-14", "2026-03-15"))

    async with serving(db_path) as served:
        await served.requests.answer(first)
        overlapping = SetAbsence(guild_id=GUILD, absence=_away("2026-03-15", "2026-03-20"))
        with pytest.raises(RequestRefused) as refused:
            await served.requests.answer(overlapping)
        found = await served.requests.answer(GetAbsences(guild_id=GUILD))
        assert isinstance(found, AbsencesReply)
    assert refused.value.code == "bad_absence"
    assert "2026-03-14 until 2026-03-15" in str(refused.value)
    assert found.absences == [_away("2026-03-14", "2026-03-15")]

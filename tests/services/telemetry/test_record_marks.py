"""RecordMarks: many marks in one transaction, answered with the days that changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import (
    MAX_MARKS_PER_BATCH,
    DayMark,
    MarkFacts,
    MarksRecorded,
    RecordMarks,
    SetTelemetryOptOut,
)
from services.telemetry.days import DAY_MARKS, DAYS_MARKS
from tests.helpers import run
from tests.services.telemetry.serving import serving

GUILD, OTHER = 1_234_567_890_123_456_789, 1_234_567_890_123_456_790
DAY, NEXT = "2027-01-15", "2027-01-16"
T = 1_800_000_000.0


def _mark(
    user: int, hour: int, *, guild: int = GUILD, day: str = DAY, source: str = "reaction"
) -> DayMark:
    return DayMark(
        guild_id=guild, date=day, mark=MarkFacts(user_id=user, hour=hour, source=source, at=T)
    )


def _record(db_path: Path, *batches: list[DayMark]) -> list[MarksRecorded]:
    """The answers to each batch, in order, from one telemetry service."""

    async def scenario() -> list[MarksRecorded]:
        async with serving(db_path, now=T) as served:
            await served.requests.answer(SetTelemetryOptOut(user_id=9))
            answers = []
            for batch in batches:
                answer = await served.requests.answer(RecordMarks(marks=batch))
                assert isinstance(answer, MarksRecorded)
                answers.append(answer)
        return answers

    return run(scenario(), timeout=10)


def _rows(db_path: Path) -> list[tuple[int, int, int, int]]:
    """(day, member, source, hours) of every stored row."""
    with sqlite3.connect(db_path) as connection:
        return connection.execute("SELECT day, member, source, hours FROM marks").fetchall()


def test_a_batch_names_each_day_it_changed_and_a_resend_changes_nothing(db_path: Path) -> None:
    """Two guilds and two days in one batch: each changed day comes back with its marks;
    the same batch sent again (its answer lost) stores nothing twice and names no day."""
    batch = [
        _mark(1, 20),
        _mark(2, 20),
        _mark(1, 21),
        _mark(1, 20, guild=OTHER),
        _mark(3, 18, day=NEXT),
    ]
    first, again = _record(db_path, batch, batch)
    changed = {(day.guild_id, day.date): day for day in first.days}
    assert sorted(changed) == [(GUILD, DAY), (GUILD, NEXT), (OTHER, DAY)]
    assert [(m.user_id, m.hour) for m in changed[GUILD, DAY].marks] == [(1, 20), (2, 20), (1, 21)]
    assert [(m.user_id, m.hour) for m in changed[OTHER, DAY].marks] == [(1, 20)]
    assert again == MarksRecorded()
    assert len(_rows(db_path)) == 4  # member 1 of each guild on the 15th, 2, 3 on the 16th


def test_a_voice_mark_of_an_opted_out_member_is_refused_alone(db_path: Path) -> None:
    """The opted-out member's voice mark is named as refused; the rest of the batch is kept."""
    (recorded,) = _record(db_path, [_mark(1, 20), _mark(9, 20, source="voice"), _mark(9, 21)])
    assert recorded.refused == [1]
    (day,) = recorded.days
    assert [(m.user_id, m.hour, m.source) for m in day.marks] == [
        (1, 20, "reaction"),
        (9, 21, "reaction"),
    ]


BAD = [
    ([_mark(1, 20)] * (MAX_MARKS_PER_BATCH + 1), "bad_request"),
    ([_mark(1, 20), _mark(1, 20, day="15/01/2027")], "bad_date"),
    ([_mark(1, 20), _mark(1, 24)], "bad_hour"),
    ([_mark(1, 20), _mark(1, 20, source="dm")], "bad_source"),
]


@pytest.mark.parametrize(("batch", "code"), BAD, ids=[code for _, code in BAD])
def test_a_batch_with_a_bad_mark_is_refused_whole(
    db_path: Path, batch: list[DayMark], code: str
) -> None:
    """A bad mark, or too many, refuses the batch with its code, and nothing is stored."""
    with pytest.raises(RequestRefused) as refused:
        _record(db_path, batch)
    assert refused.value.code == code
    assert _rows(db_path) == []


def test_an_empty_batch_changes_nothing(db_path: Path) -> None:
    """No marks: an empty answer."""
    assert _record(db_path, []) == [MarksRecorded()]


@pytest.mark.parametrize("query", [DAY_MARKS, DAYS_MARKS], ids=["a day", "days"])
def test_a_days_marks_are_read_through_the_guilds_members(
    connection: sqlite3.Connection, query: str
) -> None:
    """The day's query reads only its guild: its members by index, then each member's marks
    by the primary key; no table is scanned, whatever other guilds hold."""
    arguments = (GUILD, 20_000) if query == DAY_MARKS else (GUILD, "[20000, 20001]", 0, 0)
    plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query}", arguments)]
    assert plan[0].startswith("SEARCH members USING COVERING INDEX"), plan
    assert "(guild_id=?)" in plan[0], plan
    assert plan[1] == "SEARCH marks USING PRIMARY KEY (day=? AND member=?)", plan
    assert not [step for step in plan if step.startswith("SCAN") and "json_each" not in step]

"""The community's play time: zones, the window holding an instant, who is in an hour."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bus.protocol import GuildConfig, MarkFacts
from services.runtime.playtime import How, maybes, players, window_hour, zone

PARIS = ZoneInfo("Europe/Paris")


def _config(start: int, hours: int) -> GuildConfig:
    return GuildConfig(guild_id=1, timezone="Europe/Paris", window_start=start, window_hours=hours)


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).timestamp()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((2026, 3, 10, 21, 59), None),
        ((2026, 3, 10, 22, 0), (date(2026, 3, 10), 22)),
        ((2026, 3, 10, 23, 30), (date(2026, 3, 10), 23)),
        ((2026, 3, 11, 0, 30), (date(2026, 3, 10), 0)),
        ((2026, 3, 11, 1, 59), (date(2026, 3, 10), 1)),
        ((2026, 3, 11, 2, 0), None),
    ],
)
def test_window_hour_wraps_midnight_into_the_previous_community_day(
    moment: tuple[int, int, int, int, int], expected: tuple[date, int] | None
) -> None:
    """After midnight the hour still belongs to the day whose window started the evening before."""
    assert window_hour(_local(*moment), _config(22, 4)) == expected


def test_an_unknown_zone_means_utc() -> None:
    """A name tzdata does not know does not crash anything."""
    assert zone("Mars/Olympus_Mons") == ZoneInfo("UTC")
    assert zone("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")


def test_players_follow_the_strongest_way_in() -> None:
    """Voice beats a reaction, a reaction beats usual hours; taken-back hours are out."""
    marks = [
        MarkFacts(user_id=1, hour=18, source="reaction"),
        MarkFacts(user_id=1, hour=18, source="voice"),
        MarkFacts(user_id=2, hour=18, source="reaction"),
        MarkFacts(user_id=3, hour=18, source="schedule", cancelled=True),
        MarkFacts(user_id=4, hour=18, source="reaction", cancelled=True),
        MarkFacts(user_id=5, hour=19, source="reaction"),
    ]
    assert players(18, marks, usual=[2, 3, 4, 6]) == {
        1: How.VOICE,
        2: How.REACTED,
        6: How.SCHEDULED,
    }


def _mark(user: int, source: str, *, cancelled: bool = False) -> MarkFacts:
    return MarkFacts(user_id=user, hour=21, source=source, cancelled=cancelled)


def test_a_maybe_is_never_in_and_takes_a_usual_hour_back_while_it_stands() -> None:
    """A maybe beside usual hours: not in; withdrawn, the usual hour is back; a reaction is
    in whatever maybe stands; a source newer than this code is not in either."""
    assert maybes(21, [_mark(1, "maybe")]) == {1}
    assert players(21, [_mark(1, "maybe")], usual=[1]) == {}
    assert players(21, [_mark(1, "maybe", cancelled=True)], usual=[1]) == {1: How.SCHEDULED}
    both = [_mark(1, "maybe"), _mark(1, "reaction")]
    assert players(21, both, usual=[]) == {1: How.REACTED}
    assert players(21, [_mark(2, "carrier-pigeon")], usual=[]) == {}

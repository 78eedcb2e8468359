"""The week ahead's maths: window hours on the reader's clock, on the reader's dates, with
who usually plays (less absences), today's board and its maybes, and the reader's own hours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bus.protocol import (
    Absence,
    BoardHour,
    BoardPlayer,
    BoardReply,
    GuildConfig,
    MemberSchedule,
    Plan,
    WeeklySlot,
)
from services.runtime.ahead import WeekAhead, away_by, plan_source, week_ahead
from services.runtime.playtime import MAYBE, How

PARIS = ZoneInfo("Europe/Paris")
LA = "America/Los_Angeles"
NAMES = {1: "Alice", 2: "bob", 3: "Cara"}
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=PARIS).timestamp()  # a Monday, before the window


def config(start: int = 18, hours: int = 4) -> GuildConfig:
    return GuildConfig(guild_id=9, timezone="Europe/Paris", window_start=start, window_hours=hours)


def usual(user: int, weekday: int, hour: int, zone: str = "") -> MemberSchedule:
    return MemberSchedule(user_id=user, slots=[WeeklySlot(weekday=weekday, hour=hour)], zone=zone)


def who(ahead: WeekAhead, day: date, label: str) -> list[str]:
    for shown, cell in ahead.by_date[day]:
        if shown == label:
            return [p.name for p in cell.players]
    return []


def test_usual_hours_land_on_the_readers_date_and_hour() -> None:
    """Wednesday 21:00 in Paris is Wednesday 12:00 in Los Angeles; a community day's hour
    after midnight (Tuesday's 01:00, Wednesday in Paris) is Tuesday 16:00 there."""
    schedules = [usual(1, 2, 21, "Europe/Paris"), usual(2, 1, 1)]
    ahead = week_ahead(config(20, 6), schedules, BoardReply(guild_id=9), NAMES, 2, LA, NOW)
    assert ahead.dates[0] == date(2026, 12, 7)  # 03:00 on Monday in Los Angeles
    assert who(ahead, date(2026, 12, 9), "12:00") == ["Alice"]
    assert who(ahead, date(2026, 12, 8), "16:00") == ["bob"]
    assert who(ahead, date(2026, 12, 9), "16:00") == []
    cell = next(c for label, c in ahead.by_date[date(2026, 12, 8)] if label == "16:00")
    assert cell.mine
    labels = [row.label for row in ahead.rows]
    assert labels == ["11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]


def test_todays_board_wins_and_past_hours_are_left_out() -> None:
    """Today's hours are the board's (a click, voice), and an hour already over is gone."""
    at_19 = datetime(2026, 12, 7, 19, 30, tzinfo=PARIS).timestamp()
    hours = [
        BoardHour(hour=h, start=datetime(2026, 12, 7, h, tzinfo=PARIS).timestamp(), players=p)
        for h, p in (
            (18, [BoardPlayer(user_id=1, how="reaction")]),
            (19, [BoardPlayer(user_id=3, how="voice"), BoardPlayer(user_id=99, how="voice")]),
        )
    ]
    board = BoardReply(guild_id=9, date="2026-12-07", timezone="Europe/Paris", hours=hours)
    ahead = week_ahead(
        config(), [usual(2, 0, 19), usual(3, 1, 19)], board, NAMES, 1, "Europe/Paris", at_19
    )
    today = ahead.by_date[date(2026, 12, 7)]
    assert [(label, [p.name for p in c.players]) for label, c in today] == [("19:00", ["Cara"])]
    assert today[0][1].players[0].how == How.VOICE
    assert who(ahead, date(2026, 12, 8), "19:00") == ["Cara"]  # tomorrow: usual hours
    assert all(c.maybe_count == 0 for _, c in today)


def test_levels_shade_by_the_busiest_hour() -> None:
    """The busiest hour is the darkest; one player is never drawn as nobody."""
    both = MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=0, hour=h) for h in (18, 19)])
    schedules = [both, usual(2, 0, 18), usual(3, 0, 18)]
    ahead = week_ahead(config(), schedules, BoardReply(guild_id=9), NAMES, 1, "Europe/Paris", NOW)
    monday = dict(ahead.by_date[date(2026, 12, 7)])
    assert (monday["18:00"].level, monday["19:00"].level, monday["20:00"].level) == (4, 1, 0)
    assert ahead.busiest == 3


def test_todays_maybes_are_shown_apart_and_never_counted() -> None:
    """bob's maybe at 19:00 stands beside Alice's click: one in, one maybe; an hour with
    only a maybe is listed with nobody in, and shades as nobody."""
    at = datetime(2026, 12, 7, 17, tzinfo=PARIS).timestamp()
    hours = [
        BoardHour(
            hour=h,
            start=datetime(2026, 12, 7, h, tzinfo=PARIS).timestamp(),
            players=p,
            maybes=[BoardPlayer(user_id=2, how=MAYBE), BoardPlayer(user_id=99, how=MAYBE)],
        )
        for h, p in ((19, [BoardPlayer(user_id=1, how="reaction")]), (20, []))
    ]
    board = BoardReply(guild_id=9, date="2026-12-07", timezone="Europe/Paris", hours=hours)
    ahead = week_ahead(config(), [], board, NAMES, 2, "Europe/Paris", at)
    today = dict(ahead.by_date[date(2026, 12, 7)])
    assert ([p.name for p in today["19:00"].players], today["19:00"].maybe_count) == (["Alice"], 1)
    assert [(p.name, p.how) for p in today["19:00"].maybe] == [("bob", MAYBE)]
    assert not today["19:00"].mine  # a maybe is not in, for the reader either
    assert (today["20:00"].count, today["20:00"].maybe_count, today["20:00"].said) == (0, 1, True)
    assert today["20:00"].level == 0
    assert ahead.busiest == 1


def test_an_absence_takes_usual_hours_back_on_its_days_only() -> None:
    """bob, away on Wednesday 9 December on his own calendar (Los Angeles), loses
    Wednesday's 20:00 in Paris (11:00 there) but keeps Thursday's; Alice keeps hers. A
    cancelled absence takes nothing back."""
    schedules = [usual(2, 2, 20), usual(2, 3, 20), usual(1, 2, 20)]
    gone = Absence(user_id=2, first="2026-12-09", last="2026-12-09", zone=LA)
    back = Absence(user_id=1, first="2026-12-09", last="2026-12-09", zone=LA, cancelled=True)
    away = away_by([gone, back])
    ahead = week_ahead(
        config(), schedules, BoardReply(guild_id=9), NAMES, 2, "Europe/Paris", NOW, away=away
    )
    assert who(ahead, date(2026, 12, 9), "20:00") == ["Alice"]
    assert who(ahead, date(2026, 12, 10), "20:00") == ["bob"]


def test_a_plan_counts_as_a_click_on_its_day_away_or_not() -> None:
    """Bob planned Wednesday 9 December's 21:00 and Cara its 20:00 while away that day:
    both are in, marked as a click, Bob before Alice's usual hour; a cancelled plan and
    a plan of someone not in the guild count nowhere; Thursday has none of them."""
    plans = [
        Plan(user_id=2, day="2026-12-09", hour=21),
        Plan(user_id=3, day="2026-12-09", hour=20),
        Plan(user_id=1, day="2026-12-09", hour=19, cancelled=True),
        Plan(user_id=99, day="2026-12-09", hour=21),
    ]
    away = away_by([Absence(user_id=3, first="2026-12-09", last="2026-12-09", zone=LA)])
    ahead = week_ahead(
        config(),
        [usual(1, 2, 21)],
        BoardReply(guild_id=9),
        NAMES,
        2,
        "Europe/Paris",
        NOW,
        away=away,
        more=[plan_source(plans)],
    )
    wednesday = date(2026, 12, 9)
    assert who(ahead, wednesday, "21:00") == ["bob", "Alice"]
    assert who(ahead, wednesday, "20:00") == ["Cara"]
    assert who(ahead, wednesday, "19:00") == []
    cell = next(c for label, c in ahead.by_date[wednesday] if label == "21:00")
    assert [p.how for p in cell.players] == [How.REACTED, How.SCHEDULED]
    assert cell.mine
    assert all(who(ahead, date(2026, 12, 10), h) == [] for h in ("20:00", "21:00"))

"""The week-ahead post's pure parts: when it is due, which week it shows, and that seven
busy days still fit in one message."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bus.protocol import BoardReply, GuildConfig, MemberSchedule, WeeklySlot
from services.runtime.ahead import week_ahead
from services.scheduler.commands.week import post_text, reply_text
from services.scheduler.engines.weekpost import last_post, next_post, week_after
from services.scheduler.render import MAX_CONTENT

PARIS = ZoneInfo("Europe/Paris")


def _config(day: int = 6, at: str = "18:00", start: int = 18, hours: int = 4) -> GuildConfig:
    return GuildConfig(
        guild_id=9,
        timezone="Europe/Paris",
        window_start=start,
        window_hours=hours,
        week_post_day=day,
        week_post_time=at,
    )


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).timestamp()


@pytest.mark.parametrize(
    ("now", "last", "following"),
    [
        # Sunday 29 March 2026 is Europe's spring-forward: 18:00 is still 18:00 local.
        (_at(2026, 3, 29, 17, 59), _at(2026, 3, 22, 18), _at(2026, 3, 29, 18)),
        (_at(2026, 3, 29, 18, 0), _at(2026, 3, 29, 18), _at(2026, 4, 5, 18)),
        (_at(2026, 3, 31, 9, 0), _at(2026, 3, 29, 18), _at(2026, 4, 5, 18)),
    ],
)
def test_the_post_recurs_on_its_weekday_at_local_time(
    now: float, last: float, following: float
) -> None:
    """Sundays at 18:00 Paris time, whatever the clocks did that week."""
    assert last_post(now, _config()) == last
    assert next_post(now, _config()) == following


def test_off_has_no_post() -> None:
    """Day -1: no post, ever."""
    assert last_post(_at(2026, 3, 29, 18), _config(day=-1)) is None
    assert next_post(_at(2026, 3, 29, 18), _config(day=-1)) is None


def test_a_post_shows_the_seven_days_from_the_next() -> None:
    """Posted Sunday 29 March: Monday 30 March to Sunday 5 April, from Monday's midnight."""
    dates, begins = week_after(_at(2026, 3, 29, 18), _config())
    assert dates == [date(2026, 3, 30) + timedelta(days=n) for n in range(7)]
    assert begins == _at(2026, 3, 30, 0)


def test_seven_busy_days_fit_in_one_message() -> None:
    """Twenty hours a day, each with another count: each day's line is cut with how many
    runs were left out, and the whole stays within Discord's 2,000 characters."""
    names = {user: f"member{user}" for user in range(1, 21)}
    schedules = [
        MemberSchedule(
            user_id=user,
            slots=[
                WeeklySlot(weekday=d, hour=h % 24) for d in range(7) for h in range(4, 4 + user)
            ],
        )
        for user in names
    ]
    config = _config(start=4, hours=20)
    now = _at(2026, 3, 30, 0)
    week = week_ahead(config, schedules, BoardReply(guild_id=9), names, 0, "Europe/Paris", now)
    posted = post_text(week, list(week.dates), "-# ref abc")
    assert len(posted) <= MAX_CONTENT
    assert "more" in posted.splitlines()[2]
    answer = reply_text(week, own=True)
    assert len(answer) <= MAX_CONTENT
    assert answer.splitlines()[1].startswith("**Mon 30 Mar**: 04:00-05:00 **20** · 05:00-06:00")

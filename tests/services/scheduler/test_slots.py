"""The play window's time maths: daylight saving, midnight wrap, post times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bus.protocol import GuildConfig
from services.scheduler.slots import (
    DEFAULT_HOUR_EMOJI,
    day_slots,
    due_day,
    next_hour_start,
    next_post,
    posts_after_window,
)

PARIS = ZoneInfo("Europe/Paris")


def _config(start: int, hours: int, zone: str = "Europe/Paris", post: str = "12:00") -> GuildConfig:
    return GuildConfig(
        guild_id=1, timezone=zone, window_start=start, window_hours=hours, post_time=post
    )


def _local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: ZoneInfo = PARIS
) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


def test_an_ordinary_day_has_one_slot_per_hour_an_hour_apart() -> None:
    """18:00 for 4 hours: four slots, starting on the local hours, lettered A to D."""
    slots = day_slots(date(2026, 3, 10), _config(18, 4))
    assert [s.hour for s in slots] == [18, 19, 20, 21]
    assert [s.start for s in slots] == [_local(2026, 3, 10, h) for h in (18, 19, 20, 21)]
    assert [s.emoji for s in slots] == list(DEFAULT_HOUR_EMOJI[:4])


def test_a_window_past_midnight_runs_into_the_next_date() -> None:
    """22:00 for 4 hours holds 22, 23, then 0 and 1 of the next date."""
    slots = day_slots(date(2026, 3, 10), _config(22, 4))
    assert [s.hour for s in slots] == [22, 23, 0, 1]
    assert slots[2].start == _local(2026, 3, 11, 0)
    assert slots[3].start - slots[0].start == 3 * 3600


@pytest.mark.parametrize(
    ("zone", "day", "missing"),
    [
        ("Europe/Paris", date(2026, 3, 29), 2),  # 02:00 -> 03:00
        ("America/New_York", date(2026, 3, 8), 2),
    ],
)
def test_spring_forward_skips_the_hour_that_never_happens(
    zone: str, day: date, missing: int
) -> None:
    """The skipped hour has no slot; the others keep their own emoji and real instants."""
    slots = day_slots(day, _config(0, 6, zone))
    assert [s.hour for s in slots] == [h for h in range(6) if h != missing]
    assert slots[missing].emoji == DEFAULT_HOUR_EMOJI[missing + 1]
    assert slots[missing].start - slots[missing - 1].start == 3600
    assert len({s.start for s in slots}) == len(slots)


def test_fall_back_keeps_one_slot_for_the_repeated_hour() -> None:
    """On 25 October 2026 in Paris 02:00 happens twice: one slot, at its first occurrence."""
    slots = day_slots(date(2026, 10, 25), _config(0, 5))
    assert [s.hour for s in slots] == [0, 1, 2, 3, 4]
    assert slots[2].start == datetime(2026, 10, 25, 0, tzinfo=UTC).timestamp()
    assert slots[3].start - slots[2].start == 7200  # the repeated hour lasts two


def test_the_post_is_due_once_its_local_time_has_passed() -> None:
    """Before 12:00 nothing is due; from 12:00 today's message is; the next post is tomorrow."""
    config = _config(18, 4, post="12:00")
    assert due_day(_local(2026, 3, 10, 11, 59), config) is None
    assert due_day(_local(2026, 3, 10, 12, 0), config) == date(2026, 3, 10)
    assert next_post(_local(2026, 3, 10, 12, 0), config) == _local(2026, 3, 11, 12, 0)
    assert next_post(_local(2026, 3, 10, 9, 0), config) == _local(2026, 3, 10, 12, 0)


def test_post_time_is_local_across_a_daylight_saving_change() -> None:
    """12:00 in Paris is 11:00 UTC before the change and 10:00 UTC after it."""
    config = _config(18, 4, post="12:00")
    before = next_post(_local(2026, 3, 28, 13, 0), config)
    after = next_post(before, config)
    assert datetime.fromtimestamp(before, UTC).hour == 10  # 29 March, summer time
    assert after - before == 86400
    assert datetime.fromtimestamp(_local(2026, 3, 28, 12, 0), UTC).hour == 11


def test_next_hour_start_follows_the_local_clock() -> None:
    """The next local hour after 17:30 is 18:00."""
    config = _config(18, 4)
    assert next_hour_start(_local(2026, 3, 10, 17, 30), config) == _local(2026, 3, 10, 18, 0)


def test_an_unknown_zone_name_falls_back_to_utc() -> None:
    """A zone removed from tzdata does not crash the scheduler."""
    slots = day_slots(date(2026, 3, 10), _config(18, 1, zone="Mars/Olympus_Mons"))
    assert slots[0].start == datetime(2026, 3, 10, 18, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("post", "start", "hours", "too_late"),
    [
        ("23:30", 0, 4, True),  # the example: every hour of 00:00-04:00 is over
        ("04:00", 0, 4, True),  # at the end itself: nothing left to pick
        ("03:59", 0, 4, False),  # one hour still to come
        ("20:00", 18, 4, False),  # during the window: the hours to come can be picked
        ("23:30", 22, 4, False),  # a window past midnight always ends after the post
        ("12:00", 4, 20, False),  # ends at midnight
        ("12:00", 10, 2, True),
    ],
)
def test_a_post_after_its_window_is_told_apart(
    post: str, start: int, hours: int, too_late: bool
) -> None:
    """posts_after_window: the day's message would come when all its hours are over."""
    config = GuildConfig(guild_id=1, post_time=post, window_start=start, window_hours=hours)
    assert posts_after_window(config) is too_late

"""Members' own clocks: the hours the editor offers, the slots usual hours land on across
daylight-saving changes that differ between zones, and the 14-day preview that flags them.

A New York community plays 18:00-24:00. In March 2026 North America moves its clocks on the
8th, Europe on the 29th: for three weeks Paris is 5 hours ahead of New York, not 6.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bus.protocol import GuildConfig, MemberSchedule, WeeklySlot
from services.runtime.playtime import usual_hours, window_of
from services.scheduler.week import Offer, offers, on_clock, preview, week_text

NEW_YORK, PARIS, LOS_ANGELES = "America/New_York", "Europe/Paris", "America/Los_Angeles"
CONFIG = GuildConfig(guild_id=1, timezone=NEW_YORK, window_start=18, window_hours=6)
MON, FRI, SAT, SUN = 0, 4, 5, 6


def _at(zone: str, year: int, month: int, day: int, hour: int) -> float:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo(zone)).timestamp()


def _schedule(zone: str, *slots: tuple[int, int]) -> MemberSchedule:
    found = [WeeklySlot(weekday=d, hour=h) for d, h in slots]
    return MemberSchedule(user_id=7, slots=found, zone=zone)


def _held(schedule: MemberSchedule, day: date) -> set[int]:
    return usual_hours(schedule, day, window_of(day, CONFIG))


def test_the_editor_offers_each_member_their_own_hours() -> None:
    """18:00-24:00 in New York is 15:00-21:00 the same day in Los Angeles, 00:00-06:00 the
    next day in Paris; the community's clock offers the window's own hours every day."""
    monday = _at(NEW_YORK, 2026, 2, 2, 12)
    la = offers(CONFIG, LOS_ANGELES, monday)
    assert [o.label for o in la[FRI]] == ["15:00", "16:00", "17:00", "18:00", "19:00", "20:00"]
    paris = offers(CONFIG, PARIS, monday)
    assert [o.label for o in paris[SAT]] == ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]
    assert [o.hour for o in paris[FRI]] == [0, 1, 2, 3, 4, 5]  # Thursday's window
    community = offers(CONFIG, "", monday)
    assert community[MON] == [Offer(h, f"{h}:00") for h in range(18, 24)]


def test_a_zone_half_an_hour_off_reads_its_own_minutes() -> None:
    """Kolkata is 10:30 ahead of New York in winter: the labels say :30, the hour is saved."""
    kolkata = offers(CONFIG, "Asia/Kolkata", _at(NEW_YORK, 2026, 2, 2, 12))
    assert [(o.hour, o.label) for o in kolkata[SAT][:2]] == [(4, "04:30"), (5, "05:30")]


def test_usual_hours_land_on_the_right_slot_every_day_of_march() -> None:
    """Paris Saturday 03:00-04:00 is New York Friday 21:00-22:00, but 22:00-23:00 while only
    North America has moved its clocks; Los Angeles Friday 18:00 is 21:00 all month."""
    paris = _schedule(PARIS, (SAT, 3), (SAT, 4))
    la = _schedule(LOS_ANGELES, (FRI, 18))
    day = date(2026, 3, 1)
    while day <= date(2026, 4, 4):
        expected_paris = set()
        if day.weekday() == FRI:
            expected_paris = {22, 23} if date(2026, 3, 8) <= day < date(2026, 3, 29) else {21, 22}
        assert _held(paris, day) == expected_paris, day
        assert _held(la, day) == ({21} if day.weekday() == FRI else set()), day
        day += timedelta(days=1)


def test_a_spring_forward_drops_only_the_missing_hour() -> None:
    """Paris Sunday 02:00 does not exist on 29 March: 03:00 still counts, nothing moves to it."""
    paris = _schedule(PARIS, (SUN, 2), (SUN, 3))
    # Saturday 21 March's window: Paris is 5 h ahead, Sunday 02:00-03:00 is 21:00-22:00.
    assert _held(paris, date(2026, 3, 21)) == {21, 22}
    # Saturday 28 March: 02:00 Paris is skipped; 03:00 CEST is 21:00 in New York.
    assert _held(paris, date(2026, 3, 28)) == {21}


def test_a_fall_back_counts_a_repeated_hour_once() -> None:
    """Paris 02:00 happens twice on 25 October: only its first pass is the member's hour."""
    config = GuildConfig(guild_id=1, timezone="UTC", window_start=0, window_hours=4)
    paris = _schedule(PARIS, (SUN, 2))
    day = date(2026, 10, 25)
    assert usual_hours(paris, day, window_of(day, config)) == {0}  # 00:00 UTC = 02:00 CEST


def test_the_community_clock_keeps_the_community_day_weekday() -> None:
    """A schedule on the community's time keeps its old meaning: Friday's window, all of it."""
    config = GuildConfig(guild_id=1, timezone=NEW_YORK, window_start=22, window_hours=4)
    old = _schedule("", (FRI, 23), (FRI, 1))
    day = date(2026, 3, 6)  # a Friday
    assert usual_hours(old, day, window_of(day, config)) == {23, 1}


def test_converting_keeps_the_same_community_hours() -> None:
    """Paris Saturday 03:00 read on the Los Angeles clock is Friday 18:00, in winter."""
    paris = _schedule(PARIS, (SAT, 3))
    moved = on_clock(paris, LOS_ANGELES, CONFIG, _at(NEW_YORK, 2026, 2, 2, 12))
    assert moved == _schedule(LOS_ANGELES, (FRI, 18))
    assert on_clock(paris, PARIS, CONFIG, 0.0) is paris
    assert on_clock(paris, "", CONFIG, _at(NEW_YORK, 2026, 2, 2, 12)) == _schedule("", (FRI, 21))


def test_the_week_reads_on_its_own_clock() -> None:
    """The weekly list names its clock and its hours as the editor labels them."""
    paris = _schedule(PARIS, (SAT, 3), (SAT, 4))
    assert week_text(paris, CONFIG, _at(NEW_YORK, 2026, 2, 2, 12)) == (
        "Your usual hours (your time, Europe/Paris):\nSaturday: 03:00, 04:00"
    )
    assert week_text(_schedule(""), CONFIG, 0.0) == (
        "You have no usual hours yet (the community's time, America/New_York)."
    )


def test_the_preview_flags_the_days_daylight_saving_moves() -> None:
    """Two weeks from 2 March: 7 March as now; on 14 March the same Paris hours are an hour
    later in New York, and 05:00 falls past the window's end."""
    paris = _schedule(PARIS, (SAT, 3), (SAT, 4), (SAT, 5))
    text = preview(paris, PARIS, CONFIG, _at(NEW_YORK, 2026, 3, 2, 12), own=True)
    lines = text.splitlines()
    assert lines[0] == (
        "The next 14 days in your time (Europe/Paris) → the community's hours"
        " (America/New_York); ⚠ marks a day daylight saving changes:"
    )
    assert lines[1:] == [
        "Sat 07 Mar: 03:00-06:00 → Fri 21:00-00:00",
        "Sat 14 Mar: 03:00-05:00 → Fri 22:00-00:00 (1 h later than now);"
        " 05:00 outside the play window this day ⚠",
    ]


def test_the_preview_flags_dropped_hours() -> None:
    """From 23 March (Paris 5 h ahead): 02:00 does not exist in Paris on 29 March, and from
    then on the same hours are an hour earlier in New York; an hour past the window's end on
    a day like today is said, not flagged."""
    paris = _schedule(PARIS, (SUN, 2), (SUN, 3), (SAT, 5))
    text = preview(paris, PARIS, CONFIG, _at(NEW_YORK, 2026, 3, 23, 12), own=True)
    assert text.splitlines()[1:] == [
        "Sat 28 Mar: 05:00 outside the play window",
        "Sun 29 Mar: 02:00 skipped: the clocks go forward;"
        " 03:00-04:00 → Sat 21:00-22:00 (1 h earlier than now) ⚠",
        "Sat 04 Apr: 05:00-06:00 → Fri 23:00-00:00 (1 h earlier than now) ⚠",
        "Sun 05 Apr: 02:00-04:00 → Sat 20:00-22:00 (1 h earlier than now) ⚠",
    ]


def test_the_preview_on_the_community_clock_flags_its_skipped_hours() -> None:
    """A community in New York playing 00:00-04:00 loses 02:00 on 8 March."""
    config = GuildConfig(guild_id=1, timezone=NEW_YORK, window_start=0, window_hours=4)
    old = _schedule("", (SUN, 2), (SUN, 3))
    text = preview(old, NEW_YORK, config, _at(NEW_YORK, 2026, 3, 2, 12), own=False)
    assert text.splitlines() == [
        "The next 14 days in the community's time (America/New_York) → the community's"
        " hours (America/New_York); ⚠ marks a day daylight saving changes:",
        "Sun 08 Mar: 02:00 skipped: the clocks go forward; 03:00-04:00 → 03:00-04:00 ⚠",
        "Sun 15 Mar: 02:00-04:00 → 02:00-04:00",
    ]

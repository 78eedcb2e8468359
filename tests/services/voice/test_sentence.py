"""Who is expected, and the sentence that says it: pure functions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bus.protocol import GuildConfig, MarkFacts, MemberSchedule, WeeklySlot
from services.voice.expected import Hour, expected, this_and_next_hour
from services.voice.sentence import greeting, spoken_hour
from services.voice.speech import read_wav, to_discord_pcm

PARIS = ZoneInfo("Europe/Paris")
LATE = GuildConfig(guild_id=1, timezone="Europe/Paris", window_start=22, window_hours=4)


def _at(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS).timestamp()


@pytest.mark.parametrize(
    ("at", "hours"),
    [
        (_at(10, 21, 30), [(10, 22)]),  # before the window: only the next hour counts
        (_at(10, 23, 10), [(10, 23), (10, 0)]),  # across midnight, still Tuesday's day
        (_at(11, 1, 5), [(10, 1)]),  # the window's last hour
        (_at(11, 12, 0), []),  # midday: no window
    ],
)
def test_hours_follow_the_community_day(at: float, hours: list[tuple[int, int]]) -> None:
    """This hour and the next belong to the day whose window holds them, even after midnight."""
    found = [(h.day.day, h.hour) for h in this_and_next_hour(at, LATE)]
    assert found == hours


def test_schedules_marks_and_take_backs_decide_who_is_expected() -> None:
    """Usual hours count unless taken back; reactions and voice add people."""
    hour = Hour(date(2026, 3, 10), 22, _at(10, 22))
    schedules = [
        MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=1, hour=22)]),
        MemberSchedule(user_id=2, slots=[WeeklySlot(weekday=1, hour=22)]),
        MemberSchedule(user_id=3, slots=[WeeklySlot(weekday=2, hour=22)]),
    ]
    marks = {
        hour.day: [
            MarkFacts(user_id=2, hour=22, source="schedule", cancelled=True),
            MarkFacts(user_id=4, hour=22, source="reaction"),
            MarkFacts(user_id=5, hour=22, source="reaction", cancelled=True),
            MarkFacts(user_id=6, hour=23, source="reaction"),
        ]
    }
    assert expected([hour], schedules, marks) == {hour: {1, 4}}


def test_the_sentence_names_people_once_with_spoken_hours() -> None:
    """Names are grouped by hour, said once, "this hour" for the present one."""
    now = Hour(date(2026, 3, 10), 20, 0.0)
    later = Hour(date(2026, 3, 10), 21, 3600.0)
    names = {1: "Bob", 2: "Carol", 3: "Dave"}
    text = greeting("Alice", [now, later], {now: {2, 1}, later: {1, 3}}, names, now=now)
    assert text == "Hi Alice! Bob and Carol are expected this hour, and Dave at 9 pm."
    assert greeting("Alice", [later], {later: {9}}, names, now=None) is None


@pytest.mark.parametrize(
    ("hour", "said"), [(0, "midnight"), (9, "9 am"), (12, "noon"), (18, "6 pm"), (23, "11 pm")]
)
def test_hours_are_spoken_naturally(hour: int, said: str) -> None:
    """Hours read as a speech synthesiser says them well."""
    assert spoken_hour(hour) == said


def test_espeak_audio_becomes_discord_pcm() -> None:
    """A 22,050 Hz mono WAV becomes 48 kHz stereo of the same length."""
    samples = bytes(2 * 22_050)
    header = (
        b"RIFF\xff\xff\xff\x7fWAVEfmt "
        + (16).to_bytes(4, "little")
        + bytes.fromhex("01000100")
        + (22_050).to_bytes(4, "little")
        + (44_100).to_bytes(4, "little")
        + bytes.fromhex("02001000")
        + b"data\xff\xff\xff\x7f"
    )
    rate, mono = read_wav(header + samples)
    assert rate == 22_050
    assert len(to_discord_pcm(mono, rate)) == 48_000 * 4

"""Time in voice per member and time alone."""

from __future__ import annotations

from services.telemetry.analytics.presence import presence_by_channel
from services.telemetry.analytics.sessions import VoiceSession
from services.telemetry.analytics.voice_time import MemberVoiceTime, voice_time

from .builders import AFK, ALICE, BOB, CAROL, MUSIC_BOT, ROSTER, all_time, clock, minutes


def rows(sessions: list[VoiceSession]) -> list[MemberVoiceTime]:
    """Voice time of the test guild's sessions."""
    return voice_time(presence_by_channel(sessions, clock(), ROSTER, all_time()))


def test_time_in_voice_and_alone() -> None:
    """Alice alone 30 min then with Bob 30 min; Bob never alone."""
    result = rows([minutes(0, 60, user=ALICE), minutes(30, 60, user=BOB)])
    assert result == [MemberVoiceTime(ALICE, 3600.0, 1800.0), MemberVoiceTime(BOB, 1800.0, 0.0)]
    assert result[0].with_others == 1800.0


def test_afk_channel_is_not_time_in_voice() -> None:
    """Time parked in the AFK channel counts neither as voice nor as alone."""
    result = rows([minutes(0, 60, user=ALICE), minutes(60, 120, channel=AFK, user=ALICE)])
    assert result == [MemberVoiceTime(ALICE, 3600.0, 3600.0)]


def test_a_bot_is_no_company_and_has_no_time() -> None:
    """With only a bot in the channel a member is alone; the bot is not listed."""
    result = rows([minutes(0, 60, user=ALICE), minutes(0, 60, user=MUSIC_BOT)])
    assert result == [MemberVoiceTime(ALICE, 3600.0, 3600.0)]


def test_touching_sessions_leave_each_alone() -> None:
    """A hand-over at the same instant leaves both members alone for their whole time."""
    result = rows([minutes(0, 60, user=ALICE), minutes(60, 90, user=BOB)])
    assert result == [MemberVoiceTime(ALICE, 3600.0, 3600.0), MemberVoiceTime(BOB, 1800.0, 1800.0)]


def test_overlapping_records_count_each_instant_once() -> None:
    """Two overlapping records of one member in two channels give the union, not the sum."""
    result = rows([minutes(0, 60, channel=10, user=ALICE), minutes(30, 90, channel=11, user=ALICE)])
    assert result == [MemberVoiceTime(ALICE, 5400.0, 5400.0)]


def test_alone_again_after_the_others_leave() -> None:
    """Alone before Bob and Carol come and after they go; ranked by total time."""
    result = rows(
        [minutes(0, 100, user=ALICE), minutes(10, 20, user=BOB), minutes(15, 40, user=CAROL)]
    )
    assert result[0] == MemberVoiceTime(ALICE, 6000.0, (10 + 60) * 60.0)
    assert [row.user_id for row in result] == [ALICE, CAROL, BOB]

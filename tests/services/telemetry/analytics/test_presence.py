"""What counts as presence: filters, clipping and merging."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta

import pytest

from services.telemetry.analytics.presence import merge_intervals, presence_by_channel
from services.telemetry.analytics.sessions import GuildDataset, Period, VoiceSession

from .builders import (
    AFK,
    ALICE,
    BOB,
    EPOCH,
    GUILD,
    MUSIC_BOT,
    PARIS,
    ROSTER,
    all_time,
    clock,
    minutes,
)


def test_merge_joins_overlapping_and_touching_intervals() -> None:
    """Overlapping and touching intervals of one member become one; gaps stay."""
    assert merge_intervals([(5, 8), (0, 2), (2, 3), (1, 2.5), (7, 9)]) == [(0, 3), (5, 9)]


def test_merge_drops_empty_intervals() -> None:
    """Zero-length intervals carry no presence."""
    assert merge_intervals([(4, 4), (1, 2)]) == [(1, 2)]


def test_afk_bots_and_other_guilds_are_left_out() -> None:
    """AFK channel, bot sessions and other guilds' sessions never count."""
    sessions = [
        minutes(0, 60, channel=AFK, user=ALICE),
        minutes(0, 60, user=MUSIC_BOT),
        VoiceSession(GUILD + 1, 10, BOB, EPOCH, EPOCH + timedelta(hours=1)),
        minutes(0, 30, user=BOB),
    ]
    channels = presence_by_channel(sessions, clock(), ROSTER, all_time())
    assert list(channels) == [10]
    assert list(channels[10]) == [BOB]


def test_sessions_are_clipped_to_the_period() -> None:
    """Only the part of a session inside the period counts."""
    period = Period(EPOCH + timedelta(minutes=10), EPOCH + timedelta(minutes=20))
    channels = presence_by_channel([minutes(0, 60)], clock(), ROSTER, period)
    start, end = period.bounds
    assert channels[10][ALICE] == [(start, end)]


def test_session_must_be_aware_and_ordered() -> None:
    """Naive datetimes and sessions ending before they start are refused."""
    naive = datetime(2025, 1, 1)
    with pytest.raises(ValueError, match="aware"):
        VoiceSession(GUILD, 10, ALICE, naive, naive)
    with pytest.raises(ValueError, match="before it starts"):
        VoiceSession(GUILD, 10, ALICE, EPOCH, EPOCH - timedelta(seconds=1))


def test_unknown_users_count_as_humans_named_by_id() -> None:
    """Members who left the guild still count, shown by their id."""
    assert not ROSTER.is_bot(12345)
    assert ROSTER.name(12345) == "user 12345"


def test_dataset_survives_the_trip_to_the_worker() -> None:
    """A pickled dataset comes back equal, to the microsecond, whatever the sessions' tzinfo."""
    start = datetime(2025, 3, 30, 1, 59, 59, 999_999, tzinfo=PARIS)
    sessions = (
        VoiceSession(GUILD, 10, ALICE, start, start + timedelta(hours=2, microseconds=1)),
        minutes(0, 30, user=BOB),
    )
    dataset = GuildDataset(clock(), ROSTER, sessions, {10: "Lobby"})
    # The bytes were made one line earlier: nothing untrusted is unpickled.
    again = pickle.loads(pickle.dumps(dataset))  # noqa: S301
    assert again == dataset
    assert again.sessions[0].start.timestamp() == start.timestamp()

"""Shared time per pair: hand-checked cases and the sweep against references."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.telemetry.analytics.presence import presence_by_channel
from services.telemetry.analytics.sessions import VoiceSession
from services.telemetry.analytics.shared import PairTime, shared_time, top_pairs
from services.telemetry.analytics.shared_reference import shared_time_pairwise

from .builders import AFK, ALICE, BOB, CAROL, GUILD, MUSIC_BOT, ROSTER, all_time, clock, minutes


def shared(sessions: list[VoiceSession]) -> dict[tuple[int, int], float]:
    """Shared time in seconds of the test guild's sessions."""
    return shared_time(presence_by_channel(sessions, clock(), ROSTER, all_time()))


def test_overlap_is_credited_to_the_pair() -> None:
    """Two members overlapping 30 minutes share 30 minutes."""
    assert shared([minutes(0, 60, user=ALICE), minutes(30, 90, user=BOB)]) == {(ALICE, BOB): 1800.0}


def test_touching_sessions_share_nothing() -> None:
    """One leaving exactly when the other joins is not an overlap."""
    assert shared([minutes(0, 60, user=ALICE), minutes(60, 90, user=BOB)]) == {}


def test_different_channels_share_nothing() -> None:
    """Being in voice at the same time in different channels is not playing together."""
    assert (
        shared([minutes(0, 60, channel=10, user=ALICE), minutes(0, 60, channel=11, user=BOB)]) == {}
    )


def test_duplicate_sessions_of_one_member_do_not_double_count() -> None:
    """A member present through two overlapping records still counts once."""
    sessions = [
        minutes(0, 60, user=ALICE),
        minutes(10, 50, user=ALICE),
        minutes(60, 70, user=ALICE),  # touching: presence continues to 70
        minutes(0, 120, user=BOB),
    ]
    assert shared(sessions) == {(ALICE, BOB): 70 * 60.0}


def test_three_members_credit_every_pair() -> None:
    """With three present, each of the three pairs gets its own overlap."""
    sessions = [
        minutes(0, 60, user=ALICE),
        minutes(20, 80, user=BOB),
        minutes(40, 50, user=CAROL),
    ]
    assert shared(sessions) == {
        (ALICE, BOB): 40 * 60.0,
        (ALICE, CAROL): 10 * 60.0,
        (BOB, CAROL): 10 * 60.0,
    }


def test_afk_and_bots_share_nothing() -> None:
    """The AFK channel and bots are not company."""
    sessions = [
        minutes(0, 60, channel=AFK, user=ALICE),
        minutes(0, 60, channel=AFK, user=BOB),
        minutes(0, 60, user=CAROL),
        minutes(0, 60, user=MUSIC_BOT),
    ]
    assert shared(sessions) == {}


def test_time_in_two_channels_adds_up() -> None:
    """A pair who moved together from one channel to another gets both stretches."""
    sessions = [
        minutes(0, 30, channel=10, user=ALICE),
        minutes(0, 30, channel=10, user=BOB),
        minutes(30, 45, channel=11, user=ALICE),
        minutes(30, 45, channel=11, user=BOB),
    ]
    assert shared(sessions) == {(ALICE, BOB): 45 * 60.0}


def test_top_pairs_ranks_by_time_then_ids() -> None:
    """Top pairs come most time first, ties broken by user ids, limited."""
    totals = {(2, 3): 10.0, (1, 2): 30.0, (1, 3): 10.0}
    assert top_pairs(totals, 2) == [PairTime(1, 2, 30.0), PairTime(1, 3, 10.0)]


BASE = datetime(2025, 3, 1, tzinfo=UTC)
random_sessions = st.lists(
    st.builds(
        lambda channel, user, start, length: VoiceSession(
            GUILD,
            channel,
            user,
            BASE + timedelta(seconds=start),
            BASE + timedelta(seconds=start + length),
        ),
        st.integers(10, 11),
        st.integers(1, 5),
        st.integers(0, 60),
        st.integers(0, 25),
    ),
    max_size=14,
)


def second_by_second(sessions: list[VoiceSession]) -> dict[tuple[int, int], float]:
    """An oracle independent of the sweep: who is present during each whole second."""
    present: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
    for session in sessions:
        first = int((session.start - BASE).total_seconds())
        last = int((session.end - BASE).total_seconds())
        for second in range(first, last):
            present[(session.channel_id, second)].add(session.user_id)
    totals: defaultdict[tuple[int, int], float] = defaultdict(float)
    for users in present.values():
        ordered = sorted(users)
        for index, a in enumerate(ordered):
            for b in ordered[index + 1 :]:
                totals[(a, b)] += 1.0
    return dict(totals)


@settings(max_examples=300, deadline=None)
@given(random_sessions)
def test_sweep_matches_pairwise_brute_force(sessions: list[VoiceSession]) -> None:
    """On random small inputs the sweep equals the pairwise comparison of all intervals."""
    channels = presence_by_channel(sessions, clock(), ROSTER, all_time())
    assert shared_time(channels) == shared_time_pairwise(channels)


@settings(max_examples=300, deadline=None)
@given(random_sessions)
def test_sweep_matches_second_by_second_count(sessions: list[VoiceSession]) -> None:
    """On random raw sessions (duplicates, touching) the sweep equals counting each second."""
    assert shared(sessions) == second_by_second(sessions)

"""Voice sessions from joins, leaves and moves, and reconciliation after a crash."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence

from bus.protocol import Envelope
from services.telemetry.ingest import Recorder
from tests.services.telemetry.events import GUILD, envelope, snapshot, voice

T = 1_800_000_000.0  # "now" in these tests
A, B = 11, 12  # voice channels

Row = tuple[int, int, float, float | None, str | None]


def feed(recorder: Recorder, connection: sqlite3.Connection, *events: Envelope) -> None:
    """Ingest ``events`` as one batch at time T."""
    recorder.ingest(connection, events, T)


def sessions(connection: sqlite3.Connection) -> list[Row]:
    """(user, channel, start, end, ended) of every session, oldest first."""
    return connection.execute(
        'SELECT user_id, channel_id, start, "end", ended FROM voice_sessions'
        " ORDER BY start, user_id"
    ).fetchall()


def invariants(connection: sqlite3.Connection) -> None:
    """No negative session, none overlapping another of the same member."""
    rows: Sequence[Row] = sessions(connection)
    by_user: dict[int, list[Row]] = {}
    for row in rows:
        assert row[3] is None or row[3] >= row[2], row
        by_user.setdefault(row[0], []).append(row)
    for own in by_user.values():
        for earlier, later in itertools.pairwise(own):
            assert earlier[3] is not None, earlier
            assert earlier[3] <= later[2], (earlier, later)


def test_join_move_leave(recorder: Recorder, connection: sqlite3.Connection) -> None:
    """A join, a move and a leave make two sessions, ended by the move and the leave."""
    feed(
        recorder,
        connection,
        envelope(voice(1, 0, A, T - 300)),
        envelope(voice(1, A, B, T - 200)),
        envelope(voice(1, B, 0, T - 100)),
    )
    assert sessions(connection) == [
        (1, A, T - 300, T - 200, "moved"),
        (1, B, T - 200, T - 100, "left"),
    ]


def test_duplicated_join_and_mute_change_are_one_session(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A join seen twice (two envelopes) and a mute change keep one open session."""
    feed(
        recorder,
        connection,
        envelope(voice(1, 0, A, T - 300)),
        envelope(voice(1, 0, A, T - 290)),
        envelope(voice(1, A, A, T - 280)),
    )
    assert sessions(connection) == [(1, A, T - 300, None, None)]


def test_leave_without_join_records_nothing(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A leave whose join was never seen makes no session (no invented start)."""
    feed(recorder, connection, envelope(voice(1, A, 0, T - 100)))
    assert sessions(connection) == []


def test_same_envelope_twice_is_stored_once(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A re-sent envelope (same id) is recognised and not applied again."""
    join = envelope(voice(1, 0, A, T - 300))
    feed(recorder, connection, join)
    outcome = recorder.ingest(connection, [join, envelope(voice(1, A, 0, T - 200))], T)
    assert (outcome.written, outcome.repeats) == (1, 1)
    assert sessions(connection) == [(1, A, T - 300, T - 200, "left")]


def test_late_join_is_put_back_in_place(recorder: Recorder, connection: sqlite3.Connection) -> None:
    """A join re-sent after its leave (a kill between them) still makes the right session."""
    feed(recorder, connection, envelope(voice(1, A, 0, T - 100)))
    feed(recorder, connection, envelope(voice(1, 0, A, T - 300)))
    assert sessions(connection) == [(1, A, T - 300, T - 100, "left")]
    invariants(connection)


def test_late_move_splits_the_session(recorder: Recorder, connection: sqlite3.Connection) -> None:
    """A move that arrives after the leave splits the session it belongs in."""
    feed(recorder, connection, envelope(voice(1, 0, A, T - 300)))
    feed(recorder, connection, envelope(voice(1, B, 0, T - 100)))
    feed(recorder, connection, envelope(voice(1, A, B, T - 200)))
    assert sessions(connection) == [
        (1, A, T - 300, T - 200, "moved"),
        (1, B, T - 200, T - 100, "left"),
    ]


def test_crash_while_in_voice_closes_at_last_seen(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """After a gateway crash, who left is closed at the guild's last event, never later."""
    feed(
        recorder,
        connection,
        envelope(voice(1, 0, A, T - 3600)),
        envelope(voice(2, 0, A, T - 3000)),
        envelope(voice(3, 0, B, T - 2000)),
        envelope(voice(4, 0, A, T - 1000)),  # the last thing seen before the crash
        envelope(voice(4, A, 0, T - 900)),
    )
    # The gateway comes back at T: 1 is still in A, 2 is gone, 3 moved to A, 5 arrived.
    feed(recorder, connection, envelope(snapshot({1: A, 3: A, 5: B}, T), recorded=False))
    assert sessions(connection) == [
        (1, A, T - 3600, None, None),
        (2, A, T - 3000, T - 900, "reconciled"),
        (3, B, T - 2000, T - 900, "reconciled"),
        (4, A, T - 1000, T - 900, "left"),
        (3, A, T, None, None),
        (5, B, T, None, None),
    ]
    invariants(connection)


def test_snapshot_twice_changes_nothing(recorder: Recorder, connection: sqlite3.Connection) -> None:
    """Reconciling with the same snapshot again leaves the sessions as they were."""
    feed(recorder, connection, envelope(snapshot({1: A}, T - 10), recorded=False))
    before = sessions(connection)
    feed(recorder, connection, envelope(snapshot({1: A}, T), recorded=False))
    assert sessions(connection) == before == [(1, A, T - 10, None, None)]


def test_snapshot_older_than_events_does_not_undo_them(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A snapshot taken before a member's latest event does not close their new session."""
    feed(recorder, connection, envelope(voice(1, 0, A, T - 5)))
    feed(recorder, connection, envelope(snapshot({}, T - 10), recorded=False))
    assert sessions(connection) == [(1, A, T - 5, None, None)]


def test_names_kept_fresh(recorder: Recorder, connection: sqlite3.Connection) -> None:
    """Snapshots and voice events keep members' display names up to date."""
    feed(recorder, connection, envelope(snapshot({1: A}, T - 10), recorded=False))
    assert connection.execute(
        "SELECT display_name FROM members WHERE guild_id = ? AND user_id = 1", (GUILD,)
    ).fetchone() == ("member 1",)


def test_restart_mid_session_continues(connection: sqlite3.Connection) -> None:
    """A new recorder (service restart) closes a session opened by the previous one."""
    first = Recorder(connection)
    first.ingest(connection, [envelope(voice(1, 0, A, T - 300))], T)
    second = Recorder(connection)
    second.ingest(connection, [envelope(voice(1, A, 0, T - 100))], T)
    assert sessions(connection) == [(1, A, T - 300, T - 100, "left")]


def test_late_event_beyond_repair_window_is_ignored(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A re-sent event days old cannot be placed honestly: it leaves sessions intact."""
    feed(recorder, connection, envelope(voice(1, 0, A, T - 100)))
    feed(recorder, connection, envelope(voice(1, 0, B, T - 10 * 86400)))
    assert sessions(connection) == [(1, A, T - 100, None, None)]
    assert recorder.voice.ignored == 1


def test_stays_are_kept_in_whole_seconds(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """Both bounds of a stay are rounded down to the second; one under a second is not kept."""
    feed(
        recorder,
        connection,
        envelope(voice(1, 0, A, T - 300.7)),
        envelope(voice(1, A, B, T - 200.2)),
        envelope(voice(1, B, A, T - 200.1)),  # in B for a tenth of a second
        envelope(voice(1, A, 0, T - 99.5)),
    )
    assert sessions(connection) == [
        (1, A, T - 301, T - 201, "moved"),
        (1, A, T - 201, T - 100, "left"),
    ]


def test_late_join_within_the_same_second_leaves_nothing_open(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A join re-sent after its leave of the same second is ordered by its exact instant."""
    feed(recorder, connection, envelope(voice(1, A, 0, T - 100.2)))
    feed(recorder, connection, envelope(voice(1, 0, A, T - 100.7)))
    feed(recorder, connection, envelope(voice(1, 0, B, T - 50)))
    assert sessions(connection) == [(1, B, T - 50, None, None)]
    invariants(connection)


def test_late_move_in_the_second_a_stay_began(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A late move in the first second of a stay replaces it: the time was spent in B."""
    feed(recorder, connection, envelope(voice(1, 0, A, T - 300.9)))
    feed(recorder, connection, envelope(voice(1, B, 0, T - 100)))
    feed(recorder, connection, envelope(voice(1, A, B, T - 300.2)))
    assert sessions(connection) == [(1, B, T - 301, T - 100, "left")]
    invariants(connection)

"""The database file: private, WAL, durable, and upgraded from any earlier schema version."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest

from services.telemetry.database import PAGE_SIZE, connect
from services.telemetry.days import get_day
from services.telemetry.schema import LATEST, SchemaError, migrate, schema_version
from services.telemetry.sessions import sessions_between
from services.telemetry.store import get_config, opted_out_users

GUILD, CHANNEL = 1_234_567_890_123_456_789, 1_234_567_890_123_456_111
ANN, BOB = 1_111_111_111_111_111_111, 2_222_222_222_222_222_222
DAY = 20_833  # 2027-01-15 as days since 1970-01-01
T = 1_800_000_000.0


def _at_version(path: Path, version: int) -> None:
    """A database at schema ``version``, holding what that version could store."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA page_size = 4096")  # what every database had before schema 4
    # Later versions get their rows the way a real database did: stored at version 3, then
    # carried by the migrations.
    migrate(raw, min(version, 3))
    if version >= 1:  # a configured guild, a schedule, a member, marks and a post
        raw.execute(
            "INSERT INTO guilds (guild_id, configured, timezone) VALUES (?, 1, 'Asia/Tokyo')",
            (GUILD,),
        )
        raw.execute("INSERT INTO schedules VALUES (?, ?, 4, 21)", (GUILD, ANN))
        raw.execute("INSERT INTO daily_posts VALUES (?, ?, ?, 99, ?)", (GUILD, DAY, CHANNEL, T))
        raw.execute(
            "INSERT INTO members (guild_id, user_id, display_name) VALUES (?, ?, 'Ann')",
            (GUILD, ANN),
        )
        raw.executemany(
            "INSERT INTO marks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (GUILD, DAY, 20, ANN, "reaction", 0, T + 0.5),
                (GUILD, DAY, 21, ANN, "reaction", 1, T + 9.9),
                (GUILD, DAY, 21, ANN, "voice", 0, T + 3.0),
                (GUILD, DAY, 22, BOB, "schedule", 1, T + 4.0),  # Bob has no member row
            ],
        )
    if version >= 2:  # voice stays, closed, sub-second and open; a named channel; an id
        raw.execute("INSERT INTO channels VALUES (?, ?, 'Lounge', 2)", (GUILD, CHANNEL))
        raw.executemany(
            'INSERT INTO voice_sessions (guild_id, channel_id, user_id, start, "end", ended)'
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (GUILD, CHANNEL, ANN, T - 100.7, T - 40.2, "moved"),
                (GUILD, 77, ANN, T - 40.2, T - 40.1, "left"),  # less than a second
                (GUILD, CHANNEL, ANN, T - 30.5, None, None),
                (GUILD, 77, BOB, T - 20.0, T - 10.0, "reconciled"),
            ],
        )
        raw.execute("INSERT INTO processed_events VALUES ('gateway-1:1', ?)", (T,))
    if version >= 3:
        raw.execute("INSERT INTO users (user_id, telemetry_opt_out) VALUES (?, 1)", (BOB,))
    migrate(raw, version)
    raw.close()


def _tables(connection: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'view') ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f"PRAGMA index_xinfo({name!r})").fetchall()
        + connection.execute(f"PRAGMA table_xinfo({name!r})").fetchall()
        for name in names
    }


def test_database_file_is_private(db_path: Path, connection: sqlite3.Connection) -> None:
    """The database and its WAL side files are 0600: only the bot's user reads them."""
    connection.execute("INSERT INTO guilds (guild_id) VALUES (1)")
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_pragmas_favour_durability(connection: sqlite3.Connection) -> None:
    """WAL, synchronous FULL and foreign keys are on for the service's connection."""
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA synchronous").fetchone() == (2,)
    assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)


@pytest.mark.parametrize("start", range(LATEST))
def test_upgrade_from_every_earlier_version(short_tmp: Path, start: int) -> None:
    """A database at any earlier version reaches the latest with its data and a fresh schema."""
    old, fresh = short_tmp / "old.db", short_tmp / "fresh.db"
    _at_version(old, start)
    upgraded = connect(old)
    created = connect(fresh)
    assert schema_version(upgraded) == LATEST
    assert _tables(upgraded) == _tables(created)
    for connection in (upgraded, created):
        assert connection.execute("PRAGMA page_size").fetchone() == (PAGE_SIZE,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert upgraded.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert upgraded.execute("PRAGMA foreign_key_check").fetchall() == []
    upgraded.close()
    created.close()


def test_upgrade_keeps_every_row(short_tmp: Path) -> None:
    """From the last uncompacted version, config, marks, stays and choices all come through."""
    path = short_tmp / "old.db"
    _at_version(path, 3)
    upgraded = connect(path)
    assert get_config(upgraded, GUILD).timezone == "Asia/Tokyo"
    # Schedules saved before members had their own time stay on the community's clock ('').
    assert upgraded.execute("SELECT * FROM schedules").fetchall() == [(GUILD, ANN, 4, 21, "")]
    day = get_day(upgraded, GUILD, date(2027, 1, 15))
    # A post made before windows were kept has none: the scheduler shows today's config.
    assert (day.channel_id, day.message_id, day.window) == (CHANNEL, 99, None)
    marks = day.marks
    # One row per member, day and source now: each mark reports its row's latest second.
    assert [(m.user_id, m.hour, m.source, m.cancelled, m.at) for m in marks] == [
        (ANN, 20, "reaction", False, T + 9),
        (ANN, 21, "reaction", True, T + 9),
        (ANN, 21, "voice", False, T + 3),
        (BOB, 22, "schedule", True, T + 4),
    ]
    stays = sessions_between(upgraded, GUILD, 0.0, T + 100)
    # Whole seconds, rounded down; the stay of less than a second is gone.
    assert [(s.user_id, s.channel_id, s.start, s.end, s.ended) for s in stays] == [
        (ANN, CHANNEL, T - 101, T - 41, "moved"),
        (ANN, CHANNEL, T - 31, 0.0, ""),
        (BOB, 77, T - 20, T - 10, "reconciled"),
    ]
    assert upgraded.execute(
        "SELECT channel_id, name, kind FROM channels ORDER BY id"
    ).fetchall() == [(CHANNEL, "Lounge", 2), (77, "", 0)]
    assert upgraded.execute(
        "SELECT user_id, display_name FROM members ORDER BY user_id"
    ).fetchall() == [(ANN, "Ann"), (BOB, "")]
    assert upgraded.execute("SELECT id FROM processed_events").fetchall() == [("gateway-1:1",)]
    assert opted_out_users(upgraded) == {BOB}
    upgraded.close()


def test_one_open_stay_and_no_negative_stay_after_upgrade(short_tmp: Path) -> None:
    """The upgraded schema still refuses a second open stay and a negative one."""
    path = short_tmp / "old.db"
    _at_version(path, 3)
    upgraded = connect(path)
    ann, channel = upgraded.execute(
        "SELECT member, channel FROM voice_stays WHERE seconds IS NULL"
    ).fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        upgraded.execute(
            "INSERT INTO voice_stays (member, start, channel) VALUES (?, ?, ?)",
            (ann, int(T), channel),
        )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        upgraded.execute(
            "INSERT INTO voice_stays VALUES (?, ?, ?, -5, 0)", (ann, int(T) + 50, channel)
        )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        upgraded.execute("INSERT INTO voice_stays VALUES (999, 1, ?, 5, 0)", (channel,))
    upgraded.close()


def test_newer_database_is_refused(short_tmp: Path) -> None:
    """A database from a newer release is left alone with a clear error, not downgraded."""
    path = short_tmp / "newer.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {LATEST + 1}")
    raw.close()
    with pytest.raises(SchemaError, match="newer release"):
        connect(path)


def test_failed_upgrade_keeps_previous_version(short_tmp: Path) -> None:
    """A step that fails leaves the database at the version before it, unchanged."""
    path = short_tmp / "half.db"
    _at_version(path, 1)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("CREATE TABLE channels (x)")  # makes step 2 fail half-way
    with pytest.raises(sqlite3.OperationalError):
        migrate(raw)
    assert schema_version(raw) == 1
    assert "last_seen" not in {row[1] for row in raw.execute("PRAGMA table_info(guilds)")}
    raw.close()

"""The database schema as an append-only list of migrations, versioned by ``PRAGMA user_version``.

A migration is never edited once shipped: a database created today and one created by the
first release both reach the latest version by running the same steps in the same order.
Each step runs in one transaction together with its ``user_version`` bump (SQLite makes
that pragma transactional), so a crash mid-upgrade leaves the previous version intact.
"""

from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)


class SchemaError(Exception):
    """The database cannot be used by this release (it is newer than the code)."""


_V1_CONFIG_AND_PLANNING = """
CREATE TABLE guilds (
    guild_id        INTEGER PRIMARY KEY,
    configured      INTEGER NOT NULL DEFAULT 0,
    channel_id      INTEGER NOT NULL DEFAULT 0,
    post_time       TEXT    NOT NULL DEFAULT '12:00',
    timezone        TEXT    NOT NULL DEFAULT 'UTC',
    window_start    INTEGER NOT NULL DEFAULT 16 CHECK (window_start BETWEEN 0 AND 23),
    window_hours    INTEGER NOT NULL DEFAULT 8 CHECK (window_hours BETWEEN 1 AND 20),
    hour_emoji      TEXT    NOT NULL DEFAULT '[]',  -- JSON list, one emoji per window hour
    afk_channel_id  INTEGER NOT NULL DEFAULT 0,
    greetings       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE guild_voice_channels (
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
) WITHOUT ROWID;
CREATE TABLE guild_rank_emoji (
    guild_id INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    role_id  INTEGER NOT NULL,
    emoji    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, role_id)
) WITHOUT ROWID;
CREATE TABLE users (
    user_id  INTEGER PRIMARY KEY,
    timezone TEXT NOT NULL DEFAULT ''
);
CREATE TABLE members (
    guild_id     INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    is_bot       INTEGER NOT NULL DEFAULT 0,
    in_guild     INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE TABLE schedules (
    guild_id INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    weekday  INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour     INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    PRIMARY KEY (guild_id, user_id, weekday, hour)
) WITHOUT ROWID;
-- ``day`` is the community date as days since 1970-01-01: three bytes instead of ten.
CREATE TABLE daily_posts (
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    posted_at  REAL    NOT NULL,
    PRIMARY KEY (guild_id, day)
) WITHOUT ROWID;
CREATE TABLE marks (
    guild_id  INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    day       INTEGER NOT NULL,
    hour      INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    user_id   INTEGER NOT NULL,
    source    TEXT    NOT NULL CHECK (source IN ('reaction', 'schedule', 'voice')),
    cancelled INTEGER NOT NULL DEFAULT 0,
    at        REAL    NOT NULL,
    PRIMARY KEY (guild_id, day, hour, user_id, source)
) WITHOUT ROWID;
CREATE INDEX marks_by_user ON marks (user_id);
"""

_V2_VOICE = """
ALTER TABLE guilds ADD COLUMN last_seen REAL NOT NULL DEFAULT 0;
CREATE TABLE channels (
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    kind       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, channel_id)
) WITHOUT ROWID;
-- "end" NULL while the member is still in the channel; at most one open session per member.
CREATE TABLE voice_sessions (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    start      REAL    NOT NULL,
    "end"      REAL CHECK ("end" IS NULL OR "end" >= start),
    ended      TEXT CHECK (ended IN ('left', 'moved', 'reconciled', 'opted_out'))
);
CREATE INDEX voice_sessions_by_time ON voice_sessions (guild_id, start);
CREATE INDEX voice_sessions_by_user ON voice_sessions (guild_id, user_id, start);
CREATE UNIQUE INDEX voice_sessions_open ON voice_sessions (guild_id, user_id) WHERE "end" IS NULL;
-- The voice transitions of the last days, so that a late (re-sent) event can be put back in
-- its place and the member's sessions re-derived; pruned with processed_events.
CREATE TABLE voice_events (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    at         REAL    NOT NULL,
    channel_id INTEGER NOT NULL,
    reconciled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX voice_events_by_user ON voice_events (guild_id, user_id, at);
CREATE TABLE processed_events (
    id       TEXT PRIMARY KEY,
    received REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX processed_events_by_time ON processed_events (received);
"""

_V3_PRIVACY = """
ALTER TABLE users ADD COLUMN telemetry_opt_out INTEGER NOT NULL DEFAULT 0;
"""

MIGRATIONS: tuple[str, ...] = (_V1_CONFIG_AND_PLANNING, _V2_VOICE, _V3_PRIVACY)
LATEST = len(MIGRATIONS)


def schema_version(connection: sqlite3.Connection) -> int:
    """The database's ``user_version`` (0 for a new, empty file)."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(connection: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring the database up to ``target`` (the latest by default); return the version reached.

    ``connection`` must be in autocommit mode (``isolation_level=None``): each step opens
    its own transaction.
    """
    current = schema_version(connection)
    if current > LATEST:
        raise SchemaError(
            f"the database is at schema version {current} but this release knows only up to"
            f" {LATEST}; run the newer release or restore a backup"
        )
    for version in range(current + 1, target + 1):
        log.info("upgrading the database schema to version %d", version)
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version - 1]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return max(current, target)


def _statements(script: str) -> list[str]:
    # executescript() would commit on its own; splitting keeps the step in our transaction.
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]

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

# Version 4 makes the file small: two months of a 100-member community in well under 100 KB.
# Marks and voice stays refer to members and channels by short local numbers instead of
# 8-byte Discord ids; a member's marks of one day and source are one row with one bit per hour;
# voice stays keep whole seconds, a length instead of an end, and a code for how they ended;
# indexes that only served rare requests (delete my data, pruning) are gone, those requests
# scan instead. ``voice_sessions`` stays as a view with the columns readers already know.
_V4_COMPACT = """
DROP INDEX processed_events_by_time;
DROP INDEX marks_by_user;
DROP INDEX voice_sessions_by_time;
DROP INDEX voice_sessions_by_user;
DROP INDEX voice_sessions_open;
ALTER TABLE members RENAME TO members_v3;
ALTER TABLE marks RENAME TO marks_v3;
ALTER TABLE voice_sessions RENAME TO voice_sessions_v3;
ALTER TABLE channels RENAME TO channels_v3;
CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    is_bot       INTEGER NOT NULL DEFAULT 0,
    in_guild     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (guild_id, user_id)
);
-- Channels get a short local number too; a voice channel seen before any snapshot has no name.
CREATE TABLE channels (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    kind       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, channel_id)
);
-- Bit h of ``hours`` is a mark for local hour h; the same bit of ``cancelled`` says the
-- member took that hour back. ``source``: 0 reaction, 1 schedule, 2 voice.
CREATE TABLE marks (
    day       INTEGER NOT NULL,
    member    INTEGER NOT NULL REFERENCES members ON DELETE CASCADE,
    source    INTEGER NOT NULL CHECK (source BETWEEN 0 AND 2),
    hours     INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 16777215),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled & ~hours = 0),
    at        INTEGER NOT NULL,
    PRIMARY KEY (day, member, source)
) WITHOUT ROWID;
-- ``seconds`` NULL while the member is still in the channel; at most one open stay per
-- member. ``ended``: 0 left, 1 moved, 2 reconciled, 3 opted out.
CREATE TABLE voice_stays (
    member  INTEGER NOT NULL REFERENCES members ON DELETE CASCADE,
    start   INTEGER NOT NULL,
    channel INTEGER NOT NULL REFERENCES channels ON DELETE CASCADE,
    seconds INTEGER CHECK (seconds > 0),
    ended   INTEGER CHECK (ended BETWEEN 0 AND 3),
    CHECK ((seconds IS NULL) = (ended IS NULL)),
    PRIMARY KEY (member, start)
) WITHOUT ROWID;
CREATE UNIQUE INDEX voice_stays_open ON voice_stays (member) WHERE seconds IS NULL;
INSERT INTO members (guild_id, user_id, display_name, is_bot, in_guild)
    SELECT guild_id, user_id, display_name, is_bot, in_guild FROM members_v3;
INSERT OR IGNORE INTO members (guild_id, user_id)
    SELECT guild_id, user_id FROM marks_v3 UNION SELECT guild_id, user_id FROM voice_sessions_v3;
INSERT INTO channels (guild_id, channel_id, name, kind)
    SELECT guild_id, channel_id, name, kind FROM channels_v3;
INSERT OR IGNORE INTO channels (guild_id, channel_id)
    SELECT DISTINCT guild_id, channel_id FROM voice_sessions_v3;
INSERT INTO marks
    SELECT old.day, members.id, CASE old.source WHEN 'reaction' THEN 0 WHEN 'schedule' THEN 1
        ELSE 2 END, sum(1 << old.hour), sum(old.cancelled << old.hour), CAST(max(old.at) AS INTEGER)
    FROM marks_v3 AS old JOIN members USING (guild_id, user_id)
    GROUP BY old.day, members.id, old.source;
INSERT INTO voice_stays
    SELECT members.id, CAST(old.start AS INTEGER), channels.id,
        CAST(old."end" AS INTEGER) - CAST(old.start AS INTEGER),
        CASE old.ended WHEN 'left' THEN 0 WHEN 'moved' THEN 1 WHEN 'reconciled' THEN 2
            WHEN 'opted_out' THEN 3 END
    FROM voice_sessions_v3 AS old JOIN members USING (guild_id, user_id)
        JOIN channels USING (guild_id, channel_id)
    WHERE old."end" IS NULL OR CAST(old."end" AS INTEGER) > CAST(old.start AS INTEGER);
DROP TABLE marks_v3;
DROP TABLE voice_sessions_v3;
DROP TABLE members_v3;
DROP TABLE channels_v3;
CREATE VIEW voice_sessions AS
    SELECT members.guild_id, channels.channel_id, members.user_id, voice_stays.start,
        voice_stays.start + voice_stays.seconds AS "end",
        CASE voice_stays.ended WHEN 0 THEN 'left' WHEN 1 THEN 'moved' WHEN 2 THEN 'reconciled'
            WHEN 3 THEN 'opted_out' END AS ended
    FROM voice_stays JOIN members ON members.id = voice_stays.member
        JOIN channels ON channels.id = voice_stays.channel;
"""

# Version 5: members plan in their own time. A schedule's rows say whose clock they are on
# ('' is the community's, which every row saved before this version is on, and stays on);
# a daily post keeps the window it was made with (NULL for posts made before).
_V5_OWN_TIME = """
ALTER TABLE schedules ADD COLUMN zone TEXT NOT NULL DEFAULT '';
ALTER TABLE daily_posts ADD COLUMN timezone TEXT;
ALTER TABLE daily_posts ADD COLUMN window_start INTEGER CHECK (window_start BETWEEN 0 AND 23);
ALTER TABLE daily_posts ADD COLUMN window_hours INTEGER CHECK (window_hours BETWEEN 1 AND 20);
ALTER TABLE daily_posts ADD COLUMN hour_emoji TEXT;  -- JSON list, as in guilds
"""

# Version 6: hours that act. Members' reminder choices; users who refused the bot's DMs
# (Discord's 50007, remembered so that no DM is tried again and again); and every reminder,
# call, event and nudge, recorded before Discord is asked so that none goes twice.
# ``kind``: 0 reminder, 1 call, 2 event, 3 nudge; ``state``: 0 claimed, 1 sent, 2 dropped.
_V6_DELIVERIES = """
CREATE TABLE reminders (
    guild_id INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    minutes  INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 120),
    channel  INTEGER NOT NULL DEFAULT 0 CHECK (channel IN (0, 1)),
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
ALTER TABLE users ADD COLUMN dms_closed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE deliveries (
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    hour       INTEGER NOT NULL CHECK (hour BETWEEN -1 AND 23),
    user_id    INTEGER NOT NULL,
    kind       INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),
    state      INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 2),
    channel_id INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER NOT NULL DEFAULT 0,
    at         INTEGER NOT NULL,
    PRIMARY KEY (guild_id, day, hour, user_id, kind)
) WITHOUT ROWID;
"""

# Version 7: "enough players" calls and scheduled events, set per guild by its admins.
_V7_QUORUM = """
ALTER TABLE guilds ADD COLUMN quorum_size INTEGER NOT NULL DEFAULT 0
    CHECK (quorum_size = 0 OR quorum_size BETWEEN 2 AND 20);
ALTER TABLE guilds ADD COLUMN quorum_channel_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guilds ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
"""

# Version 8: nudges. Members' choices (``wanted`` 1 on, 0 off: a member who chose neither
# follows the guild's ``nudges`` switch) with their quiet hours, local on their own clock;
# and a fourth mark source, 3 ``picked``: an hour a member added from a nudge's button, not
# by a reaction (a reaction mark is reconciled with the message's reactions, this one is not).
_V8_NUDGES = """
ALTER TABLE guilds ADD COLUMN nudges INTEGER NOT NULL DEFAULT 0;
CREATE TABLE nudges (
    guild_id    INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    wanted      INTEGER NOT NULL CHECK (wanted IN (0, 1)),
    quiet_start INTEGER NOT NULL DEFAULT 23 CHECK (quiet_start BETWEEN 0 AND 23),
    quiet_end   INTEGER NOT NULL DEFAULT 9 CHECK (quiet_end BETWEEN 0 AND 23),
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE TABLE marks_v8 (
    day       INTEGER NOT NULL,
    member    INTEGER NOT NULL REFERENCES members ON DELETE CASCADE,
    source    INTEGER NOT NULL CHECK (source BETWEEN 0 AND 3),
    hours     INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 16777215),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled & ~hours = 0),
    at        INTEGER NOT NULL,
    PRIMARY KEY (day, member, source)
) WITHOUT ROWID;
INSERT INTO marks_v8 SELECT day, member, source, hours, cancelled, at FROM marks;
DROP TABLE marks;
ALTER TABLE marks_v8 RENAME TO marks;
"""

# Version 9: the dashboard's calendar feeds. A member's feed is opened by a secret in its
# address (calendar apps send no cookie); renewing it replaces the secret.
_V9_CALENDAR_FEEDS = """
CREATE TABLE calendar_feeds (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    secret   TEXT    NOT NULL UNIQUE,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
"""

# Version 10: dead letters, events set aside because they cannot be stored (see
# ``deadletters``): kept whole, with why, so that the admin can see them and the stream moves on.
# ``seq`` orders them by arrival; ``id`` is the envelope's, so a re-sent copy is kept once.
# No index on ``id``: it would cost a page in every database for a table that is nearly
# always empty, and a look-up scans at most ``deadletters.KEPT`` rows, only for a poison.
_V10_DEAD_LETTERS = """
CREATE TABLE dead_letters (
    seq      INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL,
    source   TEXT    NOT NULL,
    topic    TEXT    NOT NULL,
    received REAL    NOT NULL,
    reason   TEXT    NOT NULL,
    payload  BLOB    NOT NULL
);
"""

# Version 11: the dashboard's sessions, so that a logout ends them (see ``websessions``).
# ``token`` is a hash of the secret in the member's cookie; ``guild_ids`` the guilds Discord
# listed at login (JSON), kept here because the cookie cannot hold 200 of them.
_V11_WEB_SESSIONS = """
CREATE TABLE web_sessions (
    token     TEXT    PRIMARY KEY,
    user_id   INTEGER NOT NULL,
    expires   REAL    NOT NULL,
    guild_ids TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);
"""

# Version 12: members say "maybe". A fifth mark source, 4 ``maybe``: an hour the member might
# play, which the daily message shows apart and no count of players includes. Like ``picked``
# it is the member's own answer, never reconciled with the message's reactions.
_V12_MAYBE = """
CREATE TABLE marks_v12 (
    day       INTEGER NOT NULL,
    member    INTEGER NOT NULL REFERENCES members ON DELETE CASCADE,
    source    INTEGER NOT NULL CHECK (source BETWEEN 0 AND 4),
    hours     INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 16777215),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled & ~hours = 0),
    at        INTEGER NOT NULL,
    PRIMARY KEY (day, member, source)
) WITHOUT ROWID;
INSERT INTO marks_v12 SELECT day, member, source, hours, cancelled, at FROM marks;
DROP TABLE marks;
ALTER TABLE marks_v12 RENAME TO marks;
"""

# Version 13: members say they are away. One row per member, guild and first day (days since
# 1970-01-01 on the calendar of ``zone``); a row taken back stays, ``cancelled``, so that a
# late re-send of the request that set it cannot bring it back (``at``, in milliseconds: a
# later one wins, as for marks).
_V13_ABSENCES = """
CREATE TABLE absences (
    guild_id  INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    first_day INTEGER NOT NULL,
    last_day  INTEGER NOT NULL CHECK (last_day >= first_day),
    zone      TEXT    NOT NULL,
    note      TEXT    NOT NULL DEFAULT '',
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    at        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, first_day)
) WITHOUT ROWID;
"""

# Version 14: reliability counted only from when a member said so. Each save of a schedule
# is kept with when it was saved (``since``, unix seconds; a cleared schedule is a version
# with no slots), so that a past hour is judged by the schedule in force then, never by
# today's. Schedules saved before this version are known from the upgrade on, not before:
# when they were saved was not kept. ``slots`` is JSON, [[weekday, hour], ...].
# ``reliability`` on guilds: whether moderators see who was there (off by default).
_V14_SCHEDULE_VERSIONS = """
CREATE TABLE schedule_versions (
    guild_id INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    since    INTEGER NOT NULL,
    zone     TEXT    NOT NULL DEFAULT '',
    slots    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, since)
) WITHOUT ROWID;
INSERT OR REPLACE INTO schedule_versions (guild_id, user_id, since, zone, slots)
    SELECT guild_id, user_id, CAST(strftime('%s', 'now') AS INTEGER), max(zone),
        json_group_array(json_array(weekday, hour))
    FROM schedules GROUP BY guild_id, user_id;
ALTER TABLE guilds ADD COLUMN reliability INTEGER NOT NULL DEFAULT 0;
"""

# Version 15: members plan hours on another of the next 14 days (``/plan``). One row per
# guild, member, community day (days since 1970-01-01 on the community's calendar) and window
# hour; a row taken back stays, ``cancelled``, so that a late re-send of the request that
# planned it cannot bring it back (``at``, in milliseconds: a later one wins, as for absences).
_V15_PLANS = """
CREATE TABLE plans (
    guild_id  INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    day       INTEGER NOT NULL,
    hour      INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    at        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, day, hour)
) WITHOUT ROWID;
CREATE INDEX plans_by_day ON plans (guild_id, day);
"""

# Version 16: the week-ahead post. ``week_post_day`` on guilds is the weekday (0 Monday) it is
# posted on, -1 for none (the default), at local ``week_post_time``; each week's post is a
# delivery of a fifth kind, 4 ``week`` (keyed by the week's first day, hour -1, member 0), so
# the deliveries' kind check is widened by copying the table, as version 12 did for marks.
_V16_WEEK_POST = """
ALTER TABLE guilds ADD COLUMN week_post_day INTEGER NOT NULL DEFAULT -1
    CHECK (week_post_day BETWEEN -1 AND 6);
ALTER TABLE guilds ADD COLUMN week_post_time TEXT NOT NULL DEFAULT '18:00';
CREATE TABLE deliveries_v16 (
    guild_id   INTEGER NOT NULL REFERENCES guilds ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    hour       INTEGER NOT NULL CHECK (hour BETWEEN -1 AND 23),
    user_id    INTEGER NOT NULL,
    kind       INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
    state      INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 2),
    channel_id INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER NOT NULL DEFAULT 0,
    at         INTEGER NOT NULL,
    PRIMARY KEY (guild_id, day, hour, user_id, kind)
) WITHOUT ROWID;
INSERT INTO deliveries_v16 SELECT guild_id, day, hour, user_id, kind, state, channel_id,
    message_id, at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v16 RENAME TO deliveries;
"""

# Version 17: the hour's surfaces on Discord. A sixth mark source, 5 ``interested``: the
# member clicked "Interested" on the Discord event squadtime made for the hour (un-clicked, the
# mark is cancelled); like ``picked`` it is never reconciled with the message's reactions.
# ``voice_status`` on guilds: whether the first counted voice channel's status names the squad
# of an hour that reached the quorum (off by default).
_V17_SURFACES = """
CREATE TABLE marks_v17 (
    day       INTEGER NOT NULL,
    member    INTEGER NOT NULL REFERENCES members ON DELETE CASCADE,
    source    INTEGER NOT NULL CHECK (source BETWEEN 0 AND 5),
    hours     INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 16777215),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled & ~hours = 0),
    at        INTEGER NOT NULL,
    PRIMARY KEY (day, member, source)
) WITHOUT ROWID;
INSERT INTO marks_v17 SELECT day, member, source, hours, cancelled, at FROM marks;
DROP TABLE marks;
ALTER TABLE marks_v17 RENAME TO marks;
ALTER TABLE guilds ADD COLUMN voice_status INTEGER NOT NULL DEFAULT 0;
"""

MIGRATIONS: tuple[str, ...] = (
    _V1_CONFIG_AND_PLANNING,
    _V2_VOICE,
    _V3_PRIVACY,
    _V4_COMPACT,
    _V5_OWN_TIME,
    _V6_DELIVERIES,
    _V7_QUORUM,
    _V8_NUDGES,
    _V9_CALENDAR_FEEDS,
    _V10_DEAD_LETTERS,
    _V11_WEB_SESSIONS,
    _V12_MAYBE,
    _V13_ABSENCES,
    _V14_SCHEDULE_VERSIONS,
    _V15_PLANS,
    _V16_WEEK_POST,
    _V17_SURFACES,
)
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

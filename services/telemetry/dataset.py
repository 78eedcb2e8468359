"""A database file as the analytics' input, and every graph of it written to a folder.

For the admin CLI, which works on a backup (the live database belongs to the service).
Open sessions end at the guild's last seen event, the latest instant anyone can vouch
for, as the reconciliation would close them. Graphs of a backup are drawn as of that same
instant, not as of the real now: the same file always gives the same graphs, and a backup
read a week later does not show everyone as a week more inactive.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bus.clock import wall_time
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry.analytics.export import RenderProgress, render_all
from services.telemetry.analytics.sessions import (
    GuildClock,
    GuildDataset,
    Member,
    Roster,
    VoiceSession,
)


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def guild_ids(path: Path) -> list[int]:
    """The guilds a database file knows."""
    with contextlib.closing(_read_only(path)) as connection:
        return [guild for (guild,) in connection.execute("SELECT guild_id FROM guilds")]


def last_record(path: Path, guild_id: int) -> datetime | None:
    """The guild's last seen event in a database file (``None`` when it has none)."""
    with contextlib.closing(_read_only(path)) as connection:
        row = connection.execute(
            "SELECT last_seen FROM guilds WHERE guild_id = ?", (guild_id,)
        ).fetchone()
    if row is None or not row[0]:
        return None
    return _instant(row[0])


def load_dataset(path: Path, guild_id: int) -> GuildDataset:
    """One guild's voice sessions, roster, clock and channel names from a database file."""
    with contextlib.closing(_read_only(path)) as connection:
        row = connection.execute(
            "SELECT timezone, afk_channel_id, last_seen FROM guilds WHERE guild_id = ?",
            (guild_id,),
        ).fetchone()
        if row is None:
            raise LookupError(f"guild {guild_id} is not in {path}")
        timezone, afk, last_seen = row
        roster = Roster.of(
            Member(user, name, bool(bot))
            for user, name, bot in connection.execute(
                "SELECT user_id, display_name, is_bot FROM members WHERE guild_id = ?",
                (guild_id,),
            )
        )
        sessions = tuple(
            VoiceSession(
                guild_id,
                channel,
                user,
                _instant(start),
                _instant(end if end is not None else max(start, last_seen)),
            )
            for channel, user, start, end in connection.execute(
                'SELECT channel_id, user_id, start, "end" FROM voice_sessions'
                " WHERE guild_id = ? ORDER BY start",
                (guild_id,),
            )
        )
        names = dict(
            connection.execute(
                "SELECT channel_id, name FROM channels WHERE guild_id = ? AND name != ''",
                (guild_id,),
            ).fetchall()
        )
    clock = GuildClock(guild_id, zone_or_utc(timezone), afk or None)
    return GuildDataset(clock, roster, sessions, names)


def render_database(
    path: Path,
    out_dir: Path,
    now: datetime | None = None,
    *,
    guild_id: int | None = None,
    progress: Callable[[RenderProgress], None] | None = None,
) -> list[Path]:
    """Write every graph of one guild (or of each guild, one sub-folder per guild id), as of
    ``now`` or, by default, of each guild's last record."""
    guilds = [guild_id] if guild_id is not None else guild_ids(path)
    written: list[Path] = []
    for guild in guilds:
        dataset = load_dataset(path, guild)
        as_of = now or last_record(path, guild) or _latest_end(dataset)
        folder = out_dir if guild_id is not None else out_dir / str(guild)
        written += render_all(dataset, as_of, folder, progress=progress)
    return written


def _latest_end(dataset: GuildDataset) -> datetime:
    # A guild never seen (no last_seen) yet holding sessions: its record ends with them.
    empty = datetime.fromtimestamp(wall_time(), UTC)  # nothing recorded: drawn as of now
    return max((session.end for session in dataset.sessions), default=empty)


def _read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

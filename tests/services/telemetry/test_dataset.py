"""A database file becomes the analytics' dataset, and its graphs are written to a folder."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bus.protocol import GuildConfig
from services.telemetry.analytics.export import GUILD_GRAPHS
from services.telemetry.dataset import last_record, load_dataset, render_database
from services.telemetry.ingest import Recorder
from services.telemetry.store import set_config
from tests.services.telemetry.events import GUILD, envelope, snapshot, voice

T = 1_800_000_000.0  # 2027-01-15, a Friday


def _fill(connection: sqlite3.Connection, recorder: Recorder) -> None:
    set_config(connection, GuildConfig(guild_id=GUILD, timezone="Europe/Paris", afk_channel_id=9))
    events = [envelope(snapshot({}, T - 7 * 86400), recorded=False)]
    for day in range(7):
        base = T - (7 - day) * 86400
        for user in (1, 2, 3):
            events.append(envelope(voice(user, 0, 11, base + user * 60)))
            events.append(envelope(voice(user, 11, 0, base + 3 * 3600)))
    events.append(envelope(voice(4, 0, 11, T - 600)))  # still in voice
    recorder.ingest(connection, events, T)


def test_load_dataset(db_path: Path, connection: sqlite3.Connection, recorder: Recorder) -> None:
    """Sessions, roster, timezone and AFK channel come back; open sessions end at last seen."""
    _fill(connection, recorder)
    dataset = load_dataset(db_path, GUILD)
    assert str(dataset.clock.tz) == "Europe/Paris"
    assert dataset.clock.afk_channel_id == 9
    assert dataset.roster.name(2) == "member 2"
    assert len(dataset.sessions) == 22
    still_in = [session for session in dataset.sessions if session.user_id == 4]
    assert still_in[0].end == still_in[0].start == datetime.fromtimestamp(T - 600, UTC)


def test_render_database(db_path: Path, connection: sqlite3.Connection, recorder: Recorder) -> None:
    """Every graph of every guild of a database file is written as a PNG."""
    _fill(connection, recorder)
    out = db_path.parent / "graphs"
    written = render_database(db_path, out, datetime.fromtimestamp(T, UTC))
    assert {path.parent for path in written} == {out / str(GUILD)}
    assert "community.png" in {path.name for path in written}
    for path in written:
        assert path.read_bytes().startswith(b"\x89PNG")


def test_a_backup_is_drawn_as_of_its_last_record(
    db_path: Path, connection: sqlite3.Connection, recorder: Recorder
) -> None:
    """Without ``now``, the seven graphs are those of the guild's last record, whenever the
    file is read: the same bytes as drawn explicitly as of that instant."""
    _fill(connection, recorder)
    assert last_record(db_path, GUILD) == datetime.fromtimestamp(T - 600, UTC)
    plain = render_database(db_path, db_path.parent / "plain")
    as_of = render_database(db_path, db_path.parent / "as-of", datetime.fromtimestamp(T - 600, UTC))
    assert {path.name for path in plain} >= {f"{kind}.png" for kind in GUILD_GRAPHS}
    assert [path.read_bytes() for path in plain] == [path.read_bytes() for path in as_of]

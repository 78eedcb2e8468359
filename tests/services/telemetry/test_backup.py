"""Online backups: a consistent, private copy while ingestion keeps writing."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import Backup, BackupReply
from tests.helpers import eventually
from tests.services.telemetry.events import envelope, voice
from tests.services.telemetry.serving import serving

T = 1_800_000_000.0


async def test_backup_while_writing(db_path: Path, short_tmp: Path) -> None:
    """A backup taken mid-ingestion passes integrity_check and holds a committed prefix."""
    target = short_tmp / "copy.db"

    async with serving(db_path, now=T) as served:
        written = 0
        stop = asyncio.Event()

        async def writer() -> None:
            nonlocal written
            n = 0
            while not stop.is_set():
                # One-second stays: shorter ones add no time and are not kept.
                at = T + 2 * n
                batch = [envelope(voice(user, 0, 11, at + user * 0.001)) for user in range(50)] + [
                    envelope(voice(user, 11, 0, at + 1)) for user in range(50)
                ]
                await served.db.call(served.recorder.ingest, batch, at + 2)
                written += 50
                n += 1

        task = asyncio.create_task(writer())
        await eventually(lambda: written >= 5_000, 30, "sessions written before the backup")
        before = written
        reply = await served.requests.answer(Backup(path=str(target)))
        after = written
        stop.set()
        await asyncio.wait_for(task, 10)
        assert isinstance(reply, BackupReply)
    assert after > before  # ingestion went on while the copy was made
    assert reply.size_bytes == target.stat().st_size > 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (copied,) = copy.execute('SELECT count(*) FROM voice_sessions WHERE "end"').fetchone()
    copy.close()
    assert before <= copied <= after
    assert copied % 50 == 0  # whole batches only: one consistent instant


@pytest.mark.within(10)
@pytest.mark.parametrize("path", ["relative.db", "/no/such/folder/x.db", "EXISTING", "LIVE"])
async def test_bad_backup_path_is_refused(db_path: Path, short_tmp: Path, path: str) -> None:
    """A relative path, a missing folder, an existing file or the live database is refused."""
    (short_tmp / "existing.db").write_bytes(b"keep me")
    path = {"EXISTING": str(short_tmp / "existing.db"), "LIVE": str(db_path)}.get(path, path)

    with pytest.raises(RequestRefused) as refused:
        async with serving(db_path) as served:
            await served.requests.answer(Backup(path=path))
    assert refused.value.code == "bad_path"
    assert (short_tmp / "existing.db").read_bytes() == b"keep me"

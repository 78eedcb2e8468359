"""A minimal recorder process for the at-least-once tests.

``python -m tests.bus.recorder_process DB``: subscribes to ``load.``, stores each
event id once in SQLite (with a row for each repeat it recognised) and acknowledges
each batch only after its commit, as the telemetry service does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence

from bus.client import BusClient
from bus.endpoints import endpoints_from_env
from bus.protocol import Envelope, Note


def open_db(path: str) -> sqlite3.Connection:
    """The recorder's database, created on first use."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS facts (id TEXT PRIMARY KEY, value INTEGER)")
    db.execute("CREATE TABLE IF NOT EXISTS repeats (id TEXT)")
    return db


async def main(path: str) -> None:
    """Record until SIGTERM."""
    db = open_db(path)
    client = BusClient("telemetry", endpoints_from_env(os.environ, role="client"))

    async def record(batch: Sequence[Envelope]) -> None:
        with db:
            for envelope in batch:
                if isinstance(envelope.body, Note):
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO facts VALUES (?, ?)",
                        (envelope.id, envelope.body.value),
                    )
                    if cursor.rowcount == 0:
                        db.execute("INSERT INTO repeats VALUES (?)", (envelope.id,))
        client.ack(batch)

    client.subscribe("load.")
    client.on_events(record)
    await client.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await client.close()
    db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""Telemetry benchmarks: ingestion throughput against one transaction per event, and size.

``python -m bench.telemetry [--events N] [--baseline-events N] [--members N] [--days N]``.

* Ingestion: the recorder writes voice events in the batches the bus hands it, against a
  baseline measured in the same run on the same kind of file: one transaction per event
  (what a naive recorder, or a batch size of 1, would do). Both pay ``synchronous=FULL``.
* Size: a community of ``--members`` members playing for ``--days`` days (sessions and
  daily marks, as the scheduler records them), vacuumed, then the file's bytes per voice
  session and per mark (measured by dropping each kind and vacuuming again). Guilds,
  members and channels carry Discord-sized ids (snowflakes of 19 digits) unless
  ``--small-ids`` asks for 1, 2, 3... as in the first measurements.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bus.protocol import Envelope, MarkFacts, MemberFacts, VoiceChanged, VoiceFacts
from services.runtime.playtime import community_date
from services.runtime.playtime import zone as zone_or_utc
from services.telemetry.database import PAGE_SIZE, connect
from services.telemetry.days import record_mark
from services.telemetry.ingest import Recorder
from services.telemetry.sessions import REPAIR_WINDOW

BATCH = 1_000  # the bus client's default batch size
SIZE_GOAL = 100_000  # bytes for two months of a 100-member community
SNOWFLAKE = 1_234_567_890_123_456_789  # ids of this size take 8 bytes wherever stored


@dataclass(frozen=True, slots=True)
class Ids:
    """The guild's, members' and voice channels' ids: Discord-sized or small."""

    guild: int
    members: list[int]
    channels: list[int]

    @classmethod
    def of(cls, members: int, *, small: bool = False) -> Ids:
        """Ids for a guild of ``members`` members and three voice channels."""
        base = 0 if small else SNOWFLAKE
        return cls(
            guild=base + 1,
            members=[base + 1_000 + n for n in range(members)],
            channels=[base + 11, base + 12, base + 13],
        )


def voice_events(count: int, ids: Ids, start: float) -> list[Envelope]:
    """``count`` joins, moves and leaves of the members, as the gateway records them."""
    rng = random.Random(7)
    where = dict.fromkeys(ids.members, 0)
    events: list[Envelope] = []
    at = start
    for seq in range(1, count + 1):
        user = rng.choice(ids.members)
        before = where[user]
        after = 0 if before and rng.random() < 0.6 else rng.choice(ids.channels)
        where[user] = after
        at += rng.uniform(0.5, 5.0)
        events.append(voice_envelope(seq, ids.guild, user, before, after, at))
    return events


def voice_envelope(seq: int, guild: int, user: int, before: int, after: int, at: float) -> Envelope:
    """A recorded voice change as the gateway would publish it."""
    body = VoiceChanged(
        guild_id=guild,
        member=MemberFacts(user_id=user, display_name=f"member {user}"),
        before_channel_id=before,
        after=VoiceFacts(user_id=user, channel_id=after),
        at=at,
    )
    return Envelope(
        id=f"gateway-bench:{seq}",
        source="gateway",
        instance="gateway-bench",
        seq=seq,
        time=at,
        body=body,
        recorded=True,
    )


def ingest_rate(path: Path, events: Sequence[Envelope], batch: int) -> float:
    """Events per second written by the recorder in batches of ``batch``."""
    connection = connect(path)
    recorder = Recorder(connection)
    now = events[-1].time if events else time.time()
    began = time.perf_counter()
    for offset in range(0, len(events), batch):
        recorder.ingest(connection, events[offset : offset + batch], now)
    elapsed = time.perf_counter() - began
    (stored,) = connection.execute("SELECT count(*) FROM processed_events").fetchone()
    connection.close()
    assert stored == len(events), (stored, len(events))
    return len(events) / elapsed


def community(path: Path, ids: Ids, days: int, start: float) -> tuple[int, int]:
    """Two months of a community: sessions and marks; return (sessions, marks)."""
    rng = random.Random(11)
    connection = connect(path)
    recorder = Recorder(connection)
    zone = zone_or_utc("Europe/Paris")
    channel = ids.channels[0]
    regulars = {user: rng.random() for user in ids.members}
    seq = 0
    marks = 0
    for day in range(days):
        evening = start + day * 86400 + 18 * 3600
        batch: list[Envelope] = []
        for user, keen in regulars.items():
            if rng.random() > keen * 0.5:
                continue
            join = evening + rng.uniform(0, 4 * 3600)
            leave = join + rng.uniform(600, 3 * 3600)
            for at, before, after in ((join, 0, channel), (leave, channel, 0)):
                seq += 1
                batch.append(voice_envelope(seq, ids.guild, user, before, after, at))
            for hour in range(18, 18 + rng.randint(1, 3)):
                mark = MarkFacts(user_id=user, hour=hour, source="reaction", at=evening)
                record_mark(connection, ids.guild, community_date(evening, zone), mark)
                marks += 1
        batch.sort(key=lambda envelope: envelope.time)
        recorder.ingest(connection, batch, evening + 86400)
    # What the running service keeps: ids and transitions older than the repair window go.
    recorder.ingest(connection, [], start + days * 86400 + REPAIR_WINDOW + 1)
    (sessions,) = connection.execute("SELECT count(*) FROM voice_sessions").fetchone()
    connection.close()
    return sessions, marks


def vacuumed_size(path: Path, drop: str = "") -> int:
    """The file's size after deleting every row of ``drop`` (if given) and vacuuming."""
    connection = sqlite3.connect(path, isolation_level=None)
    if drop:
        connection.execute(f"DELETE FROM {drop}")  # noqa: S608 -- our own table names
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("VACUUM")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path.stat().st_size


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the figures, the last line as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.telemetry", description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="events for the batched run")
    parser.add_argument(
        "--baseline-events", type=int, default=2_000, help="events for one-per-transaction"
    )
    parser.add_argument("--members", type=int, default=100, help="members of the community")
    parser.add_argument("--days", type=int, default=61, help="days of community life")
    parser.add_argument(
        "--small-ids", action="store_true", help="ids 1, 2, 3... instead of Discord-sized ones"
    )
    args = parser.parse_args(argv)
    ids = Ids.of(args.members, small=args.small_ids)

    with tempfile.TemporaryDirectory(prefix="sqt-bench-") as folder:
        root = Path(folder)
        start = time.time() - 3600.0
        batched = ingest_rate(root / "batched.db", voice_events(args.events, ids, start), BATCH)
        single = ingest_rate(root / "single.db", voice_events(args.baseline_events, ids, start), 1)
        print(f"ingestion: {batched:,.0f} events/s in batches of {BATCH}")
        print(f"baseline:  {single:,.0f} events/s with one transaction per event")

        path = root / "community.db"
        sessions, marks = community(path, ids, args.days, time.time() - args.days * 86400)
        total = vacuumed_size(path)
        without_marks = vacuumed_size(path, "marks")
        without_sessions = vacuumed_size(path, "voice_stays")
        per_mark = (total - without_marks) / max(marks, 1)
        per_session = (without_marks - without_sessions) / max(sessions, 1)
        print(
            f"{args.members} members over {args.days} days: {sessions} sessions and {marks}"
            f" marks in {total:,} bytes ({per_session:.1f} B/session, {per_mark:.1f} B/mark;"
            f" goal: under {SIZE_GOAL:,})"
        )

    figures = {
        "ingest_events_per_s": round(batched),
        "baseline_events_per_s": round(single),
        "speedup": round(batched / single, 1),
        "bytes_per_voice_session": round(per_session, 1),
        "bytes_per_mark": round(per_mark, 1),
        "community_members": args.members,
        "discord_sized_ids": not args.small_ids,
        "community_days": args.days,
        "community_sessions": sessions,
        "community_marks": marks,
        "community_db_bytes": total,
        "size_goal_bytes": SIZE_GOAL,
        "page_size": PAGE_SIZE,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ingestion: a batch of bus events written in one transaction, each recorded event once.

The bus hands the service batches of whatever has arrived. A batch is written in one
transaction, together with the ids of its recorded events; only after the commit does the
service acknowledge them (``bus.ack``), so a SIGKILL before the commit loses nothing (the
publisher re-sends) and a re-sent event after the commit is recognised by its id and
acknowledged again without being written twice.

An event the store refuses (a value SQLite cannot hold, a constraint it breaks) must not take
the batch down with it: the batch is then written one event per transaction, and the refused
event is set aside as a dead letter (``deadletters``) and acknowledged with the rest. A
failure of the store itself (disk full, I/O) is raised instead: nothing is acknowledged and
the publishers send the batch again.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bus.protocol import (
    Envelope,
    GuildSnapshot,
    MemberFacts,
    MemberLeft,
    MemberUpdated,
    VoiceChanged,
)
from services.telemetry.database import transaction
from services.telemetry.deadletters import REFUSED_BY_STORE, set_aside_event
from services.telemetry.sessions import REPAIR_WINDOW, VoiceBook
from services.telemetry.store import (
    ensure_guild,
    mark_member_left,
    opted_out_users,
    set_opt_out,
    upsert_member,
)

log = logging.getLogger(__name__)

_LOOKUP_CHUNK = 500  # ids per look-up, well under SQLite's limit on bound parameters

# Processed ids are kept as long as voice transitions: a re-send comes within seconds of
# the lost acknowledgement (the publisher's retry interval is capped), not days later.
PROCESSED_KEPT = REPAIR_WINDOW
_PRUNE_EVERY = 600.0


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one batch did."""

    written: int
    repeats: int


class Recorder:
    """The telemetry's writer of facts; lives on the database thread.

    Knows who opted out (loaded once, kept up to date by ``set_opt_out``) so that
    recording them is skipped without a query per event, and the member facts last
    written, so that a voice event of a member whose name did not change writes no row.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.voice = VoiceBook()
        self._opted_out = opted_out_users(connection)
        self._guilds: set[int] = set()
        self._members: dict[tuple[int, int], tuple[str, bool]] = {}
        self._pruned_at = 0.0

    def is_opted_out(self, user_id: int) -> bool:
        """Whether the user asked not to be recorded."""
        return user_id in self._opted_out

    def set_opt_out(
        self, connection: sqlite3.Connection, user_id: int, opted_out: bool, at: float
    ) -> None:
        """Store the user's choice and apply it to ingestion from now on."""
        set_opt_out(connection, user_id, opted_out, at)
        if opted_out:
            self._opted_out.add(user_id)
            self.voice.forget(user_id)
        else:
            self._opted_out.discard(user_id)

    def forget(self, user_id: int) -> None:
        """Drop what is remembered of a user whose rows were deleted."""
        self.voice.forget(user_id)
        for member in [member for member in self._members if member[1] == user_id]:
            del self._members[member]

    def ingest(
        self, connection: sqlite3.Connection, batch: Sequence[Envelope], now: float
    ) -> Ingested:
        """Write a batch in one transaction; the caller acknowledges after this returns.

        Should the batch hold an event the store refuses, its events are written one
        transaction each and the refused one is set aside as a dead letter, still marked
        processed: otherwise it would come back for ever and block every event after it.
        Any other failure (disk full, I/O) is raised, and nothing is acknowledged.
        """
        try:
            return self._write(connection, batch, now, tolerate=False)
        except REFUSED_BY_STORE:
            log.info(
                "a batch of %d events holds one the store refuses; writing them one by one",
                len(batch),
            )
        written = repeats = 0
        for envelope in batch:
            outcome = self._write(connection, [envelope], now, tolerate=True)
            written += outcome.written
            repeats += outcome.repeats
        return Ingested(written, repeats)

    def _write(
        self,
        connection: sqlite3.Connection,
        batch: Sequence[Envelope],
        now: float,
        *,
        tolerate: bool,
    ) -> Ingested:
        try:
            return self._write_once(connection, batch, now, tolerate=tolerate)
        except BaseException:
            # Rolled back, whatever the reason (a refused value, a full disk): what the
            # caches learnt in the transaction is gone from the database too. Kept, a member's
            # open stay that was never stored would make the re-sent join look like a repeat
            # and its leave close nothing: one stay lost without a word (issue 29's 1 of 400).
            self._forget_caches()
            raise

    def _write_once(
        self,
        connection: sqlite3.Connection,
        batch: Sequence[Envelope],
        now: float,
        *,
        tolerate: bool,
    ) -> Ingested:
        written = repeats = 0
        seen: dict[int, float] = {}  # guild -> latest event time in this batch
        with transaction(connection):
            fresh = _first_times(connection, batch, now)
            for envelope in batch:
                if envelope.recorded and envelope.id not in fresh:
                    repeats += 1
                    continue
                fresh.discard(envelope.id)  # the same event twice in one batch: once
                if not tolerate:
                    written += self._apply(connection, envelope, seen, now)
                    continue
                connection.execute("SAVEPOINT one_event")
                seen_before = dict(seen)
                try:
                    written += self._apply(connection, envelope, seen, now)
                except REFUSED_BY_STORE as error:
                    connection.execute("ROLLBACK TO one_event")
                    self._forget_caches()
                    seen.clear()
                    seen.update(seen_before)
                    set_aside_event(connection, envelope, error, now)
                connection.execute("RELEASE one_event")
            for guild_id, at in seen.items():
                connection.execute(
                    "UPDATE guilds SET last_seen = max(last_seen, ?) WHERE guild_id = ?",
                    (at, guild_id),
                )
            if now - self._pruned_at >= _PRUNE_EVERY:
                self._prune(connection, now)
        return Ingested(written, repeats)

    def _forget_caches(self) -> None:
        # What a rolled-back transaction wrote is gone: so must be what we cached of it.
        self._guilds.clear()
        self._members.clear()
        self.voice.forget_all()

    def _apply(
        self,
        connection: sqlite3.Connection,
        envelope: Envelope,
        seen: dict[int, float],
        now: float,
    ) -> int:
        body = envelope.body
        match body:
            case VoiceChanged(guild_id=guild_id, member=member, after=after, at=at):
                self._guild(connection, guild_id, seen, at)
                if member.user_id in self._opted_out:
                    return 0
                self._member(connection, guild_id, member)
                self.voice.transition(
                    connection, (guild_id, member.user_id), after.channel_id, at, now
                )
            case GuildSnapshot(guild_id=guild_id):
                at = body.at or envelope.time
                last_seen = self._last_seen(connection, guild_id, seen)
                self._guild(connection, guild_id, seen, 0.0)
                for facts in body.members:
                    self._member(connection, guild_id, facts)
                connection.executemany(
                    "INSERT INTO channels (guild_id, channel_id, name, kind) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (guild_id, channel_id) DO UPDATE SET name = excluded.name,"
                    " kind = excluded.kind",
                    [(guild_id, c.channel_id, c.name, c.kind) for c in body.channels],
                )
                self.voice.reconcile(
                    connection, guild_id, body.voice, at, last_seen, now, self._opted_out
                )
                seen[guild_id] = max(seen[guild_id], at)
            case MemberUpdated(guild_id=guild_id, member=member, at=at):
                self._guild(connection, guild_id, seen, at)
                self._member(connection, guild_id, member)
            case MemberLeft(guild_id=guild_id, user_id=user_id, at=at):
                self._guild(connection, guild_id, seen, at)
                mark_member_left(connection, guild_id, user_id)
                self._members.pop((guild_id, user_id), None)
            case _:
                return 0  # facts telemetry does not keep (reactions, heartbeats...)
        return 1

    def _guild(
        self, connection: sqlite3.Connection, guild_id: int, seen: dict[int, float], at: float
    ) -> None:
        if guild_id not in self._guilds:
            ensure_guild(connection, guild_id)
            self._guilds.add(guild_id)
        seen[guild_id] = max(seen.get(guild_id, 0.0), at)

    def _member(self, connection: sqlite3.Connection, guild_id: int, facts: MemberFacts) -> None:
        key, stored = (guild_id, facts.user_id), (facts.display_name, facts.bot)
        if self._members.get(key) != stored:
            upsert_member(connection, guild_id, facts)
            self._members[key] = stored

    def _last_seen(
        self, connection: sqlite3.Connection, guild_id: int, seen: dict[int, float]
    ) -> float:
        row = connection.execute(
            "SELECT last_seen FROM guilds WHERE guild_id = ?", (guild_id,)
        ).fetchone()
        stored = float(row[0]) if row is not None else 0.0
        return max(stored, seen.get(guild_id, 0.0))

    def _prune(self, connection: sqlite3.Connection, now: float) -> None:
        # A scan of two days of ids every ten minutes: cheaper than an index on every row.
        ids = connection.execute(
            "DELETE FROM processed_events WHERE received < ?", (now - PROCESSED_KEPT,)
        ).rowcount
        transitions = self.voice.prune(connection, now)
        self._pruned_at = now
        if ids or transitions:
            log.info("pruned %d processed ids and %d voice transitions", ids, transitions)


def _first_times(connection: sqlite3.Connection, batch: Sequence[Envelope], now: float) -> set[str]:
    """The recorded events of ``batch`` never processed before, now noted as processed.

    One look-up and one insert for the whole batch: a statement per event costs a third
    of the ingestion time.
    """
    ids = list(dict.fromkeys(envelope.id for envelope in batch if envelope.recorded))
    known: set[str] = set()
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        marks = ", ".join("?" * len(chunk))
        known.update(
            event_id
            for (event_id,) in connection.execute(
                f"SELECT id FROM processed_events WHERE id IN ({marks})",  # noqa: S608 -- placeholders only
                chunk,
            )
        )
    fresh = [event_id for event_id in ids if event_id not in known]
    connection.executemany(
        "INSERT INTO processed_events VALUES (?, ?)", [(event_id, now) for event_id in fresh]
    )
    return set(fresh)

"""Dead letters: events telemetry set aside instead of storing them, for the admin to read.

An event becomes one in either of two ways. Its message is refused on decode (an instant
that is not finite or out of range, a wrong field type): the bus hands the frame over (see
``bus.client``). Or it decodes, but the store refuses one of its values (an id past SQLite's
64-bit integers, a constraint). Either way it is kept here with the reason and the frame as
it came, logged once, and acknowledged: at-least-once delivery would otherwise bring it back
for ever, and the good events sent with it would fail with it. A failure of the store itself
(a full disk, an I/O error) is not the event's fault: nothing is set aside or acknowledged
then, and the event comes back once the store works again.

Only the latest ``KEPT`` letters are kept, so a publisher gone wrong cannot fill the disk.
``squadtime-admin dead-letters`` lists them (``GetDeadLetters`` on the bus).
"""

from __future__ import annotations

import logging
import sqlite3

import msgspec

from bus.client import RefusedFrame
from bus.codec import encode
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import DeadLetter, DeadLettersReply, Envelope, GetDeadLetters, tag_of
from services.telemetry.database import DatabaseThread, transaction

log = logging.getLogger(__name__)

KEPT = 1_000
PAYLOAD_SHOWN = 800  # characters of a frame in a listing; the table keeps it whole
MAX_LISTED = 1_000

REFUSED_BY_STORE: tuple[type[Exception], ...] = (
    OverflowError,  # an integer past SQLite's 64 bits
    sqlite3.IntegrityError,  # NOT NULL, CHECK, UNIQUE...
    sqlite3.DataError,  # a string or blob too big
)
"""What the store raises for a value of one event it refuses. Anything else, such as an
``OperationalError`` (disk full, I/O error, database locked), is the store failing."""


def set_aside(
    connection: sqlite3.Connection,
    *,
    letter_id: str,
    source: str,
    topic: str,
    reason: str,
    payload: bytes,
    now: float,
) -> bool:
    """Keep one dead letter, in the caller's transaction; False if it was kept before."""
    kept = (
        connection.execute(
            "INSERT INTO dead_letters (id, source, topic, received, reason, payload)"
            " SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM dead_letters WHERE id = ?)",
            (letter_id, source, topic, now, reason, payload, letter_id),
        ).rowcount
        == 1
    )
    if kept:
        connection.execute(
            "DELETE FROM dead_letters WHERE seq <= (SELECT max(seq) FROM dead_letters) - ?",
            (KEPT,),
        )
        log.warning("set aside event %s from %s: %s", letter_id, source, reason)
    return kept


def set_aside_event(
    connection: sqlite3.Connection, envelope: Envelope, error: Exception, now: float
) -> bool:
    """Keep an event the store refused (in the caller's transaction)."""
    return set_aside(
        connection,
        letter_id=envelope.id,
        source=envelope.source,
        topic=f"{envelope.source}.{tag_of(envelope.body)}",
        reason=f"the store refused it: {type(error).__name__}: {error}",
        payload=encode(envelope),
        now=now,
    )


def set_aside_frame(connection: sqlite3.Connection, refused: RefusedFrame, now: float) -> bool:
    """Keep an event refused on decode, in a transaction of its own."""
    with transaction(connection):
        return set_aside(
            connection,
            letter_id=refused.head.id,
            source=refused.head.source,
            topic=refused.topic,
            reason=f"refused on decode: {refused.reason}",
            payload=refused.payload,
            now=now,
        )


async def list_dead_letters(db: DatabaseThread, request: GetDeadLetters) -> DeadLettersReply:
    """The answer to the admin's ``GetDeadLetters``."""
    if not 1 <= request.limit <= MAX_LISTED:
        raise RequestRefused(
            ErrorCode.BAD_REQUEST, f"list 1 to {MAX_LISTED} dead letters at a time"
        )
    return await db.call(dead_letters, request.limit)


def dead_letters(connection: sqlite3.Connection, limit: int) -> DeadLettersReply:
    """The latest ``limit`` dead letters, newest first, and how many are kept."""
    rows = connection.execute(
        "SELECT id, source, topic, received, reason, payload FROM dead_letters"
        " ORDER BY seq DESC LIMIT ?",
        (limit,),
    ).fetchall()
    (total,) = connection.execute("SELECT count(*) FROM dead_letters").fetchone()
    letters = [
        DeadLetter(
            id=letter_id,
            source=source,
            topic=topic,
            received=received,
            reason=reason,
            payload=readable(payload),
        )
        for letter_id, source, topic, received, reason, payload in rows
    ]
    return DeadLettersReply(letters=letters, total=total)


def readable(payload: bytes) -> str:
    """A frame as text a person can read (msgpack as Python values), cut when long."""
    try:
        text = repr(msgspec.msgpack.decode(payload))
    except msgspec.DecodeError:
        text = f"not msgpack: {payload.hex()}"
    return text if len(text) <= PAYLOAD_SHOWN else text[: PAYLOAD_SHOWN - 1] + "…"

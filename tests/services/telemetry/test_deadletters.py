"""Poison never blocks the record: what cannot be stored is set aside, the rest is stored."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import time
from pathlib import Path

import pytest

from admin.deadletters import describe, request_dead_letters
from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.errors import RemoteError
from bus.protocol import DeadLettersReply, Envelope, GetDeadLetters, VoiceChanged
from services.telemetry.deadletters import KEPT, dead_letters
from services.telemetry.ingest import Recorder
from services.telemetry.service import Telemetry
from tests.helpers import eventually
from tests.services.inprocess import running
from tests.services.telemetry.events import envelope, voice

T = 1_800_000_000.0  # "now" of the tests that ingest directly
A = 11  # a voice channel
TOO_BIG = 2**64 - 1  # decodes as an integer (msgpack's uint64); SQLite holds 64 signed bits
POISONS = {"infinite": math.inf, "1e300": 1e300, "NaN": math.nan}


def stays(db: Path) -> list[tuple[int, float, float | None]]:
    """(user, start, end) of every voice session in the database at ``db``."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return connection.execute(
            'SELECT user_id, start, "end" FROM voice_sessions ORDER BY start'
        ).fetchall()


def kept(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """(id, reason) of every dead letter, oldest first."""
    return connection.execute("SELECT id, reason FROM dead_letters ORDER BY seq").fetchall()


# ---------------------------------------------------------------- through the bus, end to end


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
async def test_a_poisoned_instant_between_two_good_events_is_set_aside(
    endpoints: Endpoints, short_tmp: Path, poison: float
) -> None:
    """The gateway records a join, a voice event at an impossible instant, then the leave:
    the stay is stored, the poison is a dead letter the admin lists, nothing stays unacked."""
    db = short_tmp / "data" / "telemetry.db"
    now = time.time() - 3600  # within the repair window of telemetry's own clock
    async with running(Telemetry(db), endpoints, short_tmp / "data") as runtime:
        gateway = BusClient("gateway", endpoints, retry_after=0.2, retry_cap=0.5)
        async with gateway:
            gateway.record(voice(1, 0, A, now))
            bad = gateway.record(voice(2, 0, A, poison))  # the encoder lets it through
            gateway.record(voice(1, A, 0, now + 60))
            await eventually(lambda: gateway.unacked == 0, 15, "every record acknowledged")
        assert stays(db) == [(1, int(now), int(now) + 60)]
        reply = await request_dead_letters({"SQUADTIME_RUNTIME_DIR": str(short_tmp)}, 20)
        assert runtime.bus.counters.dropped >= 1
    [letter] = reply.letters
    assert (letter.id, letter.topic, letter.source) == (bad.id, "gateway.voice_state", "gateway")
    assert letter.reason.startswith("refused on decode: ")
    assert "$.body.at" in letter.reason
    assert repr(poison) in letter.payload  # the frame as it came: the admin sees the value
    assert reply.total == 1
    shown = describe(reply)
    assert "gateway.voice_state" in shown
    assert bad.id in shown


async def test_an_event_the_store_refuses_is_set_aside_between_two_good_ones(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A voice event of a guild id past SQLite's integers decodes, but cannot be stored: it
    becomes a dead letter, the good events around it are stored, nothing stays unacked."""
    db = short_tmp / "data" / "telemetry.db"
    now = time.time() - 3600
    async with running(Telemetry(db), endpoints, short_tmp / "data"):
        gateway = BusClient("gateway", endpoints, retry_after=0.2, retry_cap=0.5)
        async with gateway:
            gateway.record(voice(1, 0, A, now))
            bad = gateway.record(voice(2, 0, A, now + 30, guild=TOO_BIG))
            gateway.record(voice(1, A, 0, now + 60))
            await eventually(lambda: gateway.unacked == 0, 15, "every record acknowledged")
            # The same poison again, as a publisher whose ack was lost would send it: kept once.
            gateway.record(voice(3, 0, A, now + 90, guild=TOO_BIG))
            await eventually(lambda: gateway.unacked == 0, 15, "the second one acknowledged")
        assert stays(db) == [(1, int(now), int(now) + 60)]
        reply = await request_dead_letters({"SQUADTIME_RUNTIME_DIR": str(short_tmp)}, 1)
    assert reply.total == 2
    [newest] = reply.letters  # the limit is honoured
    assert newest.id != bad.id
    assert newest.reason.startswith("the store refused it: OverflowError")
    assert str(TOO_BIG) in newest.payload


async def test_the_listing_refuses_a_silly_limit(endpoints: Endpoints, short_tmp: Path) -> None:
    """Asking for no dead letter, or a million, is refused as a bad request."""
    db = short_tmp / "data" / "telemetry.db"
    async with (
        running(Telemetry(db), endpoints, short_tmp / "data"),
        BusClient("admin", endpoints) as admin,
    ):
        for limit in (0, 1_000_000):
            with pytest.raises(RemoteError) as refused:
                await admin.request(
                    "telemetry", GetDeadLetters(limit=limit), expect=DeadLettersReply
                )
            assert refused.value.code == "bad_request"


# ---------------------------------------------------------------- the recorder on its own

STORE_REFUSES = {
    "guild id past 64 bits": voice(2, 0, A, T - 200, guild=TOO_BIG),
    "user id past 64 bits": voice(TOO_BIG, 0, A, T - 200),
    # Refused at the bus's edge; should one get past it, the store still refuses it alone.
    "infinite instant": voice(2, 0, A, math.inf),
    "NaN instant": voice(2, 0, A, math.nan),
}


@pytest.mark.parametrize("bad", STORE_REFUSES.values(), ids=STORE_REFUSES.keys())
def test_one_refused_event_does_not_take_its_batch_down(
    recorder: Recorder, connection: sqlite3.Connection, bad: VoiceChanged
) -> None:
    """Good, refused, good in one batch: both good ones stored, the refused one kept aside
    with its reason, and all three processed so that a re-send is recognised."""
    batch: list[Envelope] = [
        envelope(voice(1, 0, A, T - 300)),
        poisoned := envelope(bad),
        envelope(voice(1, A, 0, T - 100)),
    ]
    outcome = recorder.ingest(connection, batch, T)
    assert outcome.written == 2
    assert connection.execute('SELECT user_id, start, "end" FROM voice_sessions').fetchall() == [
        (1, T - 300, T - 100)
    ]
    [(letter_id, reason)] = kept(connection)
    assert letter_id == poisoned.id
    assert reason.startswith("the store refused it: ")
    again = recorder.ingest(connection, batch, T)  # the publisher did not get the ack: re-sent
    assert (again.written, again.repeats) == (0, 3)
    assert len(kept(connection)) == 1


def test_a_store_that_cannot_write_sets_nothing_aside(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A failure of the store itself (here: no write allowed, as with a full disk) is raised,
    so nothing is acknowledged; once the store works, the batch is stored once."""
    batch = [envelope(voice(1, 0, A, T - 300)), envelope(voice(1, A, 0, T - 100))]
    connection.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError):
        recorder.ingest(connection, batch, T)
    connection.execute("PRAGMA query_only = OFF")
    assert kept(connection) == []
    assert recorder.ingest(connection, batch, T).written == 2
    assert connection.execute("SELECT count(*) FROM voice_sessions").fetchone() == (1,)


def test_only_the_latest_dead_letters_are_kept(
    recorder: Recorder, connection: sqlite3.Connection
) -> None:
    """A sender gone wrong cannot fill the disk: past KEPT letters, the oldest go."""
    poisons = [envelope(voice(2, 0, A, T - 200, guild=TOO_BIG)) for _ in range(KEPT + 5)]
    recorder.ingest(connection, poisons, T)
    reply = dead_letters(connection, 3)
    assert reply.total == KEPT
    assert [letter.id for letter in reply.letters] == [e.id for e in poisons[-1:-4:-1]]

"""The wire format: every message survives the trip; nothing else gets through."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bus.codec import FrameError, decode, encode
from bus.protocol import Envelope, Heartbeat, Message, Note, message_types, tag_of


def _envelope(body: Message) -> Envelope:
    return Envelope(id="t-1:1", source="test", instance="t-1", seq=1, time=1.0, body=body)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", message_types(), ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_every_message_round_trips(cls: type[Message], data: st.DataObject) -> None:
    """Each message type, with arbitrary field values, decodes to what was encoded."""
    # msgpack carries 64-bit integers; anything larger is not a message we send.
    int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
    bounded: dict[object, st.SearchStrategy[object]] = {int: int64, list[int]: st.lists(int64)}
    fields = {f.name: bounded[f.type] for f in msgspec.structs.fields(cls) if f.type in bounded}
    message = data.draw(st.builds(cls, **fields))
    wire = encode(_envelope(message))
    # Compared on the wire: NaN floats are not equal to themselves.
    assert encode(decode(wire)) == wire
    assert type(decode(wire).body) is cls


def test_every_message_belongs_to_the_envelope_union() -> None:
    """A message class that the decoder does not know would be dropped by every receiver."""
    info = msgspec.inspect.type_info(Envelope)
    assert isinstance(info, msgspec.inspect.StructType)
    body = next(field for field in info.fields if field.name == "body")
    assert isinstance(body.type, msgspec.inspect.UnionType)
    known = {t.cls for t in body.type.types if isinstance(t, msgspec.inspect.StructType)}
    assert set(message_types()) == known


def test_tags_are_unique() -> None:
    """Two classes with one tag would decode into the wrong type."""
    tags = [tag_of(cls) for cls in message_types()]
    assert len(tags) == len(set(tags))


@given(st.binary(max_size=512))
def test_garbage_is_refused(payload: bytes) -> None:
    """Random bytes never decode into an envelope by accident, and never crash the decoder."""
    try:
        decode(payload)
    except FrameError:
        return
    # msgpack can, very rarely, be valid by chance; it must then be fully typed.
    assert isinstance(decode(payload), Envelope)


def test_unknown_tag_is_refused() -> None:
    """A message from a newer version with a tag we do not know is a FrameError."""
    raw = msgspec.msgpack.encode(
        {
            "id": "a:1",
            "source": "x",
            "instance": "a",
            "seq": 1,
            "time": 1.0,
            "body": {"type": "from_the_future", "x": 1},
        }
    )
    with pytest.raises(FrameError, match="from_the_future"):
        decode(raw)


def test_wrong_field_type_is_refused() -> None:
    """A field of the wrong type is a FrameError, not a half-typed message."""
    raw = msgspec.msgpack.encode(
        {
            "id": "a:1",
            "source": "x",
            "instance": "a",
            "seq": 1,
            "time": 1.0,
            "body": {"type": "note", "key": 42},
        }
    )
    with pytest.raises(FrameError, match="Expected `str`"):
        decode(raw)


def test_newer_fields_are_ignored() -> None:
    """A service mid-upgrade reads a message that has fields it does not know yet."""
    raw = msgspec.msgpack.encode(
        {
            "id": "a:1",
            "source": "x",
            "instance": "a",
            "seq": 1,
            "time": 1.0,
            "future": True,
            "body": {"type": "note", "key": "k", "added_later": [1, 2]},
        }
    )
    assert decode(raw).body == Note(key="k")


def test_older_messages_get_defaults() -> None:
    """A message from an older sender, without the fields added since, decodes with defaults."""
    raw = msgspec.msgpack.encode(
        {
            "id": "a:1",
            "source": "x",
            "instance": "a",
            "seq": 1,
            "time": 1.0,
            "body": {"type": "heartbeat", "service": "voice", "pid": 7, "started": 0.0},
        }
    )
    body = decode(raw).body
    assert isinstance(body, Heartbeat)
    assert body.unacked == 0

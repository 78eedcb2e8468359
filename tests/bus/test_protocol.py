"""The wire format: every message survives the trip; nothing else gets through."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bus.codec import FrameError, decode, encode
from bus.protocol import Envelope, Heartbeat, Message, Note, message_types, tag_of


def _envelope(body: Message) -> Envelope:
    return Envelope(id="t-1:1", source="test", instance="t-1", seq=1, time=1.0, body=body)  # type: ignore[arg-type]


def values_of(info: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    """Arbitrary values of a msgspec type; integers kept to msgpack's 64 bits."""
    match info:
        case msgspec.inspect.IntType():
            return st.integers(min_value=-(2**63), max_value=2**63 - 1)
        case msgspec.inspect.StrType():
            return st.text(max_size=20)
        case msgspec.inspect.FloatType():
            return st.floats()
        case msgspec.inspect.BoolType():
            return st.booleans()
        case msgspec.inspect.BytesType():
            return st.binary(max_size=64)
        case msgspec.inspect.NoneType():
            return st.none()
        case msgspec.inspect.LiteralType(values=values):
            return st.sampled_from(values)
        case msgspec.inspect.UnionType(types=types):
            return st.one_of([values_of(member) for member in types])
        case msgspec.inspect.ListType(item_type=item):
            return st.lists(values_of(item), max_size=3)
        case msgspec.inspect.DictType(key_type=key, value_type=value):
            return st.dictionaries(values_of(key), values_of(value), max_size=3)
        case msgspec.inspect.StructType(cls=cls, fields=fields):
            return st.builds(cls, **{f.name: values_of(f.type) for f in fields})
        case _:
            raise NotImplementedError(f"no strategy for {info}; extend values_of")


@pytest.mark.parametrize("cls", message_types(), ids=lambda cls: cls.__name__)
@settings(max_examples=30)
@given(data=st.data())
def test_every_message_round_trips(cls: type[Message], data: st.DataObject) -> None:
    """Each message type, with arbitrary field values, decodes to what was encoded."""
    message = data.draw(values_of(msgspec.inspect.type_info(cls)))
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


def raw_envelope(body: dict[str, object], **extra: object) -> bytes:
    """An envelope built by hand, as a sender of another version might send it."""
    fields = {"id": "a:1", "source": "x", "instance": "a", "seq": 1, "time": 1.0}
    return msgspec.msgpack.encode({**fields, **extra, "body": body})


def test_unknown_tag_is_refused() -> None:
    """A message from a newer version with a tag we do not know is a FrameError."""
    raw = raw_envelope({"type": "from_the_future", "x": 1})
    with pytest.raises(FrameError, match="from_the_future"):
        decode(raw)


def test_wrong_field_type_is_refused() -> None:
    """A field of the wrong type is a FrameError, not a half-typed message."""
    raw = raw_envelope({"type": "note", "key": 42})
    with pytest.raises(FrameError, match="Expected `str`"):
        decode(raw)


def test_newer_fields_are_ignored() -> None:
    """A service mid-upgrade reads a message that has fields it does not know yet."""
    raw = raw_envelope({"type": "note", "key": "k", "added_later": [1, 2]}, future=True)
    assert decode(raw).body == Note(key="k")


def test_older_messages_get_defaults() -> None:
    """A message from an older sender, without the fields added since, decodes with defaults."""
    raw = raw_envelope({"type": "heartbeat", "service": "voice", "pid": 7, "started": 0.0})
    body = decode(raw).body
    assert isinstance(body, Heartbeat)
    assert body.unacked == 0


@pytest.mark.parametrize(
    "body",
    [
        {"type": "interaction_answer", "response": {"kind": "mesage"}},
        {
            "type": "interaction",
            "kind": "slash",
            "interaction_id": 1,
            "guild_id": 2,
            "channel_id": 3,
            "member": {"user_id": 4, "display_name": "a"},
        },
    ],
)
def test_a_kind_that_is_not_one_of_the_known_kinds_is_refused(body: dict[str, Any]) -> None:
    """Interaction and response kinds are checked on decode: a typo never reaches a handler."""
    with pytest.raises(FrameError, match="Invalid enum value"):
        decode(raw_envelope(body))

"""The wire format: every message survives the trip; nothing else gets through."""

from __future__ import annotations

import math
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bus.codec import FrameError, decode, encode
from bus.protocol import (
    INSTANT_MAX,
    INSTANT_MIN,
    Envelope,
    Heartbeat,
    Message,
    Note,
    message_types,
    tag_of,
)


def _envelope(body: Message) -> Envelope:
    return Envelope(id="t-1:1", source="test", instance="t-1", seq=1, time=1.0, body=body)  # type: ignore[arg-type]


def values_of(info: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    """Arbitrary values of a msgspec type; integers kept to msgpack's 64 bits."""
    match info:
        case msgspec.inspect.IntType():
            return st.integers(min_value=-(2**63), max_value=2**63 - 1)
        case msgspec.inspect.StrType():
            return st.text(max_size=20)
        case msgspec.inspect.FloatType(ge=None, le=None):
            return st.floats()
        case msgspec.inspect.FloatType(ge=low, le=high):
            return st.floats(min_value=low, max_value=high)
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


# Floats that are not instants: bounds of a slash command option, lengths of time in hours.
NOT_INSTANTS = {"min_value", "max_value", "hours_week", "hours_4_weeks", "hours"}


def float_fields() -> list[tuple[str, msgspec.inspect.Field]]:
    """Every float field of every message, of the structs inside them and of the envelope."""
    found: dict[tuple[str, str], msgspec.inspect.Field] = {}
    pending: list[msgspec.inspect.Type] = [msgspec.inspect.type_info(Envelope)]
    seen: set[type] = set()
    while pending:
        info = pending.pop()
        match info:
            case msgspec.inspect.StructType(cls=cls, fields=fields) if cls not in seen:
                seen.add(cls)
                for field in fields:
                    if isinstance(field.type, msgspec.inspect.FloatType):
                        found[cls.__name__, field.name] = field
                    pending.append(field.type)
            case msgspec.inspect.UnionType(types=types):
                pending.extend(types)
            case msgspec.inspect.ListType(item_type=item):
                pending.append(item)
            case msgspec.inspect.DictType(value_type=value):
                pending.append(value)
    return [(f"{name}.{field.name}", field) for (name, _), field in sorted(found.items())]


FLOATS = float_fields()


@pytest.mark.parametrize(("where", "field"), FLOATS, ids=[where for where, _ in FLOATS])
def test_every_instant_is_checked_on_decode(where: str, field: msgspec.inspect.Field) -> None:
    """A float field is an Instant (finite, within range) unless it is known not to be a time."""
    assert isinstance(field.type, msgspec.inspect.FloatType)
    bounds = (field.type.ge, field.type.le)
    if field.name in NOT_INSTANTS:
        assert bounds == (None, None), f"{where} is not an instant"
    else:
        assert bounds == (INSTANT_MIN, INSTANT_MAX), f"{where} carries an unchecked instant"


def voice_event(at: float, **envelope: object) -> bytes:
    """A recorded voice event built by hand with ``at`` as its instant, as a publisher sends it."""
    body = {
        "type": "voice_state",
        "guild_id": 1,
        "member": {"user_id": 2, "display_name": "a"},
        "before_channel_id": 0,
        "after": {"user_id": 2, "channel_id": 3},
        "at": at,
    }
    return raw_envelope(body, recorded=True, **envelope)


@pytest.mark.parametrize("at", [math.inf, -math.inf, math.nan, 1e300, -1.0, INSTANT_MAX + 1])
def test_an_instant_out_of_range_is_refused_with_the_senders_head(at: float) -> None:
    """inf, NaN, 1e300 or a negative instant is refused; the envelope's head says who sent it."""
    with pytest.raises(FrameError, match=r"\$\.body\.at") as refused:
        decode(voice_event(at))
    head = refused.value.head
    assert head is not None
    assert (head.id, head.instance, head.seq, head.recorded, head.tag) == (
        "a:1", "a", 1, True, "voice_state"
    )  # fmt: skip


@pytest.mark.parametrize("time", [math.inf, math.nan, -5.0])
def test_an_envelope_time_out_of_range_is_refused(time: float) -> None:
    """The envelope's own instant is checked too."""
    with pytest.raises(FrameError, match=r"\$\.time"):
        decode(voice_event(1_800_000_000.0, time=time))


def test_the_edges_of_the_range_are_instants() -> None:
    """0 (an unset instant) and the last instant allowed both decode."""
    for at in (INSTANT_MIN, INSTANT_MAX):
        assert decode(voice_event(at)).recorded


def test_an_unknown_tag_has_no_head_to_answer() -> None:
    """A newer sender's message is not something to set aside: no head comes with its refusal."""
    with pytest.raises(FrameError) as refused:
        decode(raw_envelope({"type": "from_the_future", "at": math.inf}, recorded=True))
    assert refused.value.head is None

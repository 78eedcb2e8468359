"""Every message that crosses squadtime's bus, and the envelope that carries it.

Messages are small frozen msgspec Structs tagged by ``type`` and joined in
unions: events (facts, published by topic), requests (queries and commands
with a reply and a deadline), replies, and the bus's own control messages.
One encoder and one typed decoder are built once (see ``bus.codec``).

Schema evolution follows msgspec's rules: every field added after a message
first ships gets a default, and decoders ignore fields they do not know, so
a service restarted mid-upgrade still reads newer messages. A frame whose tag
is unknown is counted and dropped by the receiver, never fatal.

Topics
------
``<source>.<event>``  events, e.g. ``gateway.reaction_add``; subscribe by prefix.
``ack.<instance>``    acknowledgements of recorded events (see ``bus.client``).
``probe.<instance>``  a process's message to itself, proving its path is open.
"""

from __future__ import annotations

import msgspec


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every bus message."""


class EventMessage(Message, frozen=True):
    """A fact; published on ``<source>.<tag>`` for whoever subscribes."""


class RequestMessage(Message, frozen=True):
    """A query or command for one service; it always gets a reply."""


class ReplyMessage(Message, frozen=True):
    """The answer to one request."""


class ControlMessage(Message, frozen=True):
    """The bus's own bookkeeping; never handed to a service."""


# --------------------------------------------------------------------------
# Events: facts, published on ``<source>.<tag>``.
# --------------------------------------------------------------------------


class Heartbeat(EventMessage, frozen=True, tag="heartbeat"):
    """A process's pulse and counters, every few seconds; the admin status reads it."""

    service: str
    pid: int
    started: float
    handled: int = 0
    dropped: int = 0
    retried: int = 0
    queue_depth: int = 0
    unacked: int = 0
    rss_bytes: int = 0


class Note(EventMessage, frozen=True, tag="note"):
    """A free-form recorded fact, used by the bus's own tests and benchmarks."""

    key: str
    value: int = 0


# --------------------------------------------------------------------------
# Requests: sent straight to one service (see ``bus.rpc``), answered with a
# Reply or an ErrorReply whose ``correlation`` is the request's id.
# --------------------------------------------------------------------------


class Ping(RequestMessage, frozen=True, tag="ping"):
    """Ask a service whether it is alive; answered with Pong."""


class Pong(ReplyMessage, frozen=True, tag="pong"):
    """A service's answer to Ping."""

    service: str
    pid: int


class ErrorReply(ReplyMessage, frozen=True, tag="error"):
    """A request failed; ``code`` is stable, ``message`` is for people."""

    code: str
    message: str


# --------------------------------------------------------------------------
# Bus control.
# --------------------------------------------------------------------------


class Ack(ControlMessage, frozen=True, tag="ack"):
    """The recorder committed these sequence numbers of one publisher instance."""

    seqs: list[int]


class Probe(ControlMessage, frozen=True, tag="probe"):
    """A process's message to itself; receiving it proves publish and subscribe work."""

    token: str


# The unions. Adding a message means adding it to its union here; the
# receivers' ``match`` statements then fail type-checking until they handle it.
Event = Heartbeat | Note
Request = Ping
Reply = Pong | ErrorReply
Control = Ack | Probe
Body = Event | Request | Reply | Control


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """What travels in a frame: a message and where it comes from.

    ``id`` is ``<instance>:<seq>``: unique across restarts, so the recorder
    recognises a retransmitted event. ``seq`` counts per publishing instance.
    """

    id: str
    source: str
    instance: str
    seq: int
    time: float
    body: Body
    recorded: bool = False
    correlation: str = ""
    deadline: float = 0.0


def tag_of(message: Message | type[Message]) -> str:
    """The wire tag of a message or message class."""
    cls = message if isinstance(message, type) else type(message)
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str), f"{cls.__name__} has no string tag"
    return tag


_KINDS = (Message, EventMessage, RequestMessage, ReplyMessage, ControlMessage)


def message_types() -> list[type[Message]]:
    """Every concrete message class, for tests and tooling."""
    found: list[type[Message]] = []
    pending: list[type[Message]] = [Message]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls not in _KINDS:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)

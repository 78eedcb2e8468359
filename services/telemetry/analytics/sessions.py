"""The plain data the analytics work on: voice sessions, the roster and the guild's clock.

Times are aware ``datetime`` objects. Any ``tzinfo`` is accepted and compared as an instant;
internally every computation converts them once to unix seconds (``float``), because
arithmetic between two datetimes that share a ``ZoneInfo`` is wall-clock arithmetic and would
be wrong across daylight-saving changes.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class VoiceSession:
    """One stay of one member in one voice channel, from join to leave (or move).

    ``end`` is when the member left; the store closes sessions left open by a crash before
    they reach the analytics, so every session here has a real end.
    """

    guild_id: int
    channel_id: int
    user_id: int
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end < self.start:
            raise ValueError(
                f"session of user {self.user_id} ends ({self.end.isoformat()}) "
                f"before it starts ({self.start.isoformat()})"
            )


@dataclass(frozen=True, slots=True)
class Member:
    """What the analytics need to know about a guild member."""

    user_id: int
    display_name: str
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Roster:
    """The guild's members, by user id.

    Sessions of users missing from the roster (members who left the guild) are still counted
    as humans and shown by their id.
    """

    members: Mapping[int, Member] = field(default_factory=dict)

    @classmethod
    def of(cls, members: Iterable[Member]) -> Roster:
        """Build a roster from members (the last one wins on a duplicate id)."""
        return cls({member.user_id: member for member in members})

    def name(self, user_id: int) -> str:
        """The member's display name, or a stand-in for users who left the guild."""
        member = self.members.get(user_id)
        return member.display_name if member is not None else f"user {user_id}"

    def is_bot(self, user_id: int) -> bool:
        """Whether the user is a known bot; unknown users count as humans."""
        member = self.members.get(user_id)
        return member is not None and member.is_bot

    def humans(self) -> Iterator[Member]:
        """Every member of the roster who is not a bot."""
        return (member for member in self.members.values() if not member.is_bot)


@dataclass(frozen=True, slots=True)
class GuildClock:
    """The guild facts that shape the buckets: its timezone and its AFK channel."""

    guild_id: int
    tz: ZoneInfo
    afk_channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open window of time ``[start, end)``, as aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def bounds(self) -> tuple[float, float]:
        """The window as unix seconds."""
        return self.start.timestamp(), self.end.timestamp()


@dataclass(frozen=True, slots=True)
class GuildDataset:
    """Everything one guild's graphs are drawn from, as handed over by the store."""

    clock: GuildClock
    roster: Roster
    sessions: tuple[VoiceSession, ...]
    channel_names: Mapping[int, str] = field(default_factory=dict)

    def first_record(self) -> datetime | None:
        """When the guild's voice record begins: its earliest session (``None``: none yet).

        Graphs draw the time before it as "no data", not as time nobody played.
        """
        return min((session.start for session in self.sessions), default=None)

    def __reduce__(self) -> tuple[object, ...]:
        # A dataset crosses to the render worker by pickle. A year of sessions as objects with
        # datetimes pickles in seconds; as five integer columns it takes a few milliseconds.
        columns = _pack(self.sessions)
        return (_unpack, (self.clock, self.roster, columns, dict(self.channel_names)))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

type _Columns = tuple[array[int], array[int], array[int], array[int], array[int]]


def _pack(sessions: Iterable[VoiceSession]) -> _Columns:
    columns: _Columns = (array("q"), array("q"), array("q"), array("q"), array("q"))
    guilds, channels, users, starts, ends = columns
    for session in sessions:
        guilds.append(session.guild_id)
        channels.append(session.channel_id)
        users.append(session.user_id)
        # Whole microseconds: exact, unlike float seconds.
        starts.append((session.start - _EPOCH) // _MICROSECOND)
        ends.append((session.end - _EPOCH) // _MICROSECOND)
    return columns


def _unpack(
    clock: GuildClock, roster: Roster, columns: _Columns, channel_names: dict[int, str]
) -> GuildDataset:
    sessions = tuple(
        VoiceSession(
            guild,
            channel,
            user,
            _EPOCH + timedelta(microseconds=start),
            _EPOCH + timedelta(microseconds=end),
        )
        for guild, channel, user, start, end in zip(*columns, strict=True)
    )
    return GuildDataset(clock, roster, sessions, channel_names)

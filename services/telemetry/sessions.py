"""Voice sessions from join, leave and move events, and their reconciliation with snapshots.

Each member's voice life is a sequence of transitions "from ``at`` the member is in channel
``c``" (0 = not in voice). A session opens when a transition puts the member in a channel
and closes at the next transition that takes them elsewhere; a transition to the channel
they are already in (mute, deafen, a duplicated join) changes nothing. So a session can be
neither negative nor overlapping, and the unique index on open sessions makes two open
sessions for one member impossible.

Events usually arrive in order, but not always: when the telemetry process is killed, the
events it had not committed are re-sent later, after newer ones. Transitions of the last
``REPAIR_WINDOW`` seconds are therefore kept in ``voice_events``; a transition older than
the member's latest is put back in its place and the member's sessions from that instant
are derived again. A re-sent event older than the window is ignored with a warning: its
neighbours are gone, so it cannot be placed honestly.

Reconciliation (a ``GuildSnapshot`` after the gateway (re)connects) closes the sessions of
members no longer in voice at the *last time the guild was seen* — the latest event of any
kind received from that guild before the snapshot — not at the snapshot's time. Until then
the gateway was delivering the guild's events, so a leave would have arrived; after it we
know nothing, and closing later would invent time in voice that nobody can vouch for.
Members found in voice without an open session get one from the snapshot's time, for the
same reason; a member found in the channel of their open session keeps it.

Stays are stored in whole seconds (``voice_stays``: start, length, how it ended), each
bound rounded down, which keeps them ordered and never negative. A stay shorter than one
second (a join and a move within the same second) adds no time and is not kept. The
transitions of the repair window keep their exact instants, so late events are still put
back in their true order. ``voice_sessions`` is the readable view of the stays.
"""

from __future__ import annotations

import functools
import logging
import math
import sqlite3
from collections.abc import Callable, Iterable

from bus.protocol import VoiceFacts, VoiceSessionFacts

log = logging.getLogger(__name__)

REPAIR_WINDOW = 2 * 24 * 3600.0

Member = tuple[int, int]  # (guild id, user id)
OpenStay = tuple[int, int]  # (start second, local channel number) of a stay still open

ENDINGS = ("left", "moved", "reconciled", "opted_out")  # how a stay ended, by stored code


class VoiceBook:
    """Writes voice transitions as sessions; runs on the database thread only.

    Remembers each member's latest transition time, local number and open stay, so that
    telling a late event from a fresh one, and finding the stay it closes, costs no query.
    Whatever changes stays behind its back (a rollback, opting out, deleting a member's
    data) must be followed by ``forget`` or ``forget_all``.
    """

    def __init__(self) -> None:
        self._latest: dict[Member, float] = {}
        self._refs: dict[Member, int] = {}
        self._channels: dict[tuple[int, int], int] = {}
        self._open: dict[int, OpenStay | None] = {}  # member's local number -> open stay
        self.ignored = 0

    def forget(self, user_id: int) -> None:
        """Drop what is remembered of a user (after their stays were closed or deleted)."""
        for member in [member for member in self._refs if member[1] == user_id]:
            self._open.pop(self._refs.pop(member), None)
        for member in [member for member in self._latest if member[1] == user_id]:
            del self._latest[member]

    def forget_all(self) -> None:
        """Drop everything remembered (after a rollback)."""
        self._latest.clear()
        self._refs.clear()
        self._channels.clear()
        self._open.clear()

    def _ref(self, connection: sqlite3.Connection, member: Member) -> int:
        """The member's local number, creating their row if they are new."""
        ref = self._refs.get(member)
        if ref is None:
            ref = member_ref(connection, *member)
            self._refs[member] = ref
        return ref

    def _channel(self, connection: sqlite3.Connection, guild_id: int, channel_id: int) -> int:
        """The channel's local number (0 for "not in voice"), creating its row if new."""
        if not channel_id:
            return 0
        key = (guild_id, channel_id)
        ref = self._channels.get(key)
        if ref is None:
            ref = channel_ref(connection, guild_id, channel_id)
            self._channels[key] = ref
        return ref

    def latest(self, connection: sqlite3.Connection, member: Member) -> float:
        """The time of the member's latest known transition (or session boundary)."""
        known = self._latest.get(member)
        if known is None:
            row = connection.execute(
                "SELECT max(coalesce(max(at), 0), coalesce((SELECT start + coalesce(seconds, 0)"
                " FROM voice_stays WHERE member = (SELECT id FROM members WHERE guild_id = :guild"
                " AND user_id = :user) ORDER BY start DESC LIMIT 1), 0))"
                " FROM voice_events WHERE guild_id = :guild AND user_id = :user",
                {"guild": member[0], "user": member[1]},
            ).fetchone()
            known = float(row[0])
            self._latest[member] = known
        return known

    def transition(
        self,
        connection: sqlite3.Connection,
        member: Member,
        channel_id: int,
        at: float,
        now: float,
        *,
        reconciled: bool = False,
    ) -> None:
        """From ``at`` the member is in ``channel_id`` (0: not in voice)."""
        latest = self.latest(connection, member)
        if at < latest and at < now - REPAIR_WINDOW:
            self.ignored += 1
            log.warning(
                "ignored a voice event of user %d at %.0f: older than the repair window",
                member[1],
                at,
            )
            return
        connection.execute(
            "INSERT INTO voice_events VALUES (?, ?, ?, ?, ?)",
            (*member, at, channel_id, int(reconciled)),
        )
        ref = self._ref(connection, member)
        channel_of = functools.partial(self._channel, connection, member[0])
        if at >= latest:
            self._latest[member] = at
            if ref not in self._open:
                self._open[ref] = _open_stay(connection, ref)
            self._open[ref] = _step(
                connection, ref, self._open[ref], channel_of(channel_id), at, reconciled
            )
        else:
            self._open[ref] = _rederive(connection, member, ref, at, channel_of)

    def reconcile(
        self,
        connection: sqlite3.Connection,
        guild_id: int,
        voice: Iterable[VoiceFacts],
        at: float,
        last_seen: float,
        now: float,
        skip: set[int],
    ) -> None:
        """Make the open sessions match who is in voice per a snapshot taken at ``at``."""
        present = {facts.user_id: facts.channel_id for facts in voice if facts.channel_id}
        open_now = dict(
            connection.execute(
                "SELECT members.user_id, channels.channel_id FROM voice_stays"
                " JOIN members ON members.id = voice_stays.member"
                " JOIN channels ON channels.id = voice_stays.channel"
                " WHERE members.guild_id = ? AND voice_stays.seconds IS NULL",
                (guild_id,),
            ).fetchall()
        )
        for user_id, channel_id in open_now.items():
            member = (guild_id, user_id)
            if present.get(user_id) == channel_id or self.latest(connection, member) > at:
                continue  # still there, or we know better than this snapshot
            close_at = max(self.latest(connection, member), min(last_seen, at))
            self.transition(connection, member, 0, close_at, now, reconciled=True)
        for user_id, channel_id in present.items():
            member = (guild_id, user_id)
            if user_id in skip or open_now.get(user_id) == channel_id:
                continue
            if self.latest(connection, member) > at:
                continue
            self.transition(connection, member, channel_id, at, now, reconciled=True)

    def prune(self, connection: sqlite3.Connection, now: float) -> int:
        """Forget transitions older than the repair window; return how many."""
        return connection.execute(
            "DELETE FROM voice_events WHERE at < ?", (now - REPAIR_WINDOW,)
        ).rowcount


def member_ref(connection: sqlite3.Connection, guild_id: int, user_id: int) -> int:
    """The local number marks and stays use for a member; their row is created if new."""
    return _local_number(connection, "members", "user_id", guild_id, user_id)


def channel_ref(connection: sqlite3.Connection, guild_id: int, channel_id: int) -> int:
    """The local number stays use for a channel; its row (unnamed) is created if new."""
    return _local_number(connection, "channels", "channel_id", guild_id, channel_id)


def _local_number(
    connection: sqlite3.Connection, table: str, column: str, guild_id: int, discord_id: int
) -> int:
    # Fixed table and column names from the two functions above, never from outside.
    found = connection.execute(
        f"SELECT id FROM {table} WHERE guild_id = ? AND {column} = ?",  # noqa: S608
        (guild_id, discord_id),
    ).fetchone()
    if found is None:
        found = connection.execute(
            f"INSERT INTO {table} (guild_id, {column}) VALUES (?, ?) RETURNING id",  # noqa: S608
            (guild_id, discord_id),
        ).fetchone()
    return int(found[0])


def _open_stay(connection: sqlite3.Connection, ref: int) -> OpenStay | None:
    row = connection.execute(
        "SELECT start, channel FROM voice_stays WHERE member = ? AND seconds IS NULL", (ref,)
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def _step(
    connection: sqlite3.Connection,
    ref: int,
    open_stay: OpenStay | None,
    channel: int,
    at: float,
    reconciled: bool,
) -> OpenStay | None:
    """From ``at`` member ``ref`` is in local channel ``channel`` (0: not in voice).

    ``open_stay`` is the member's open stay before; the one after is returned.
    """
    second = math.floor(at)
    if open_stay is not None:
        start, open_channel = open_stay
        if open_channel == channel:
            return open_stay  # a mute/deafen change, or the same join twice
        if second > start:
            ended = "reconciled" if reconciled else "moved" if channel else "left"
            connection.execute(
                "UPDATE voice_stays SET seconds = ?, ended = ? WHERE member = ? AND start = ?",
                (second - start, ENDINGS.index(ended), ref, start),
            )
        else:  # less than a second: no time to keep
            connection.execute(
                "DELETE FROM voice_stays WHERE member = ? AND start = ?", (ref, start)
            )
    if not channel:
        return None
    connection.execute(
        "INSERT INTO voice_stays (member, start, channel) VALUES (?, ?, ?)",
        (ref, second, channel),
    )
    return (second, channel)


def _rederive(
    connection: sqlite3.Connection,
    member: Member,
    ref: int,
    since: float,
    channel_of: Callable[[int], int],
) -> OpenStay | None:
    """Derive the member's stays from ``since`` again; return the open one after."""
    # Stays hold whole seconds: start over from the second ``since`` falls in, so that every
    # bound at or after it comes from a transition that is replayed below.
    second = math.floor(since)
    connection.execute("DELETE FROM voice_stays WHERE member = ? AND start >= ?", (ref, second))
    # The stay that was running at that second is the state before the late event.
    connection.execute(
        "UPDATE voice_stays SET seconds = NULL, ended = NULL WHERE member = ? AND start < ?"
        " AND start + seconds >= ?",
        (ref, second, second),
    )
    replay = connection.execute(
        "SELECT at, channel_id, reconciled FROM voice_events"
        " WHERE guild_id = ? AND user_id = ? AND at >= ? ORDER BY at, rowid",
        (*member, second),
    ).fetchall()
    open_stay = _open_stay(connection, ref)
    for at, channel_id, reconciled in replay:
        open_stay = _step(connection, ref, open_stay, channel_of(channel_id), at, bool(reconciled))
    return open_stay


def sessions_between(
    connection: sqlite3.Connection, guild_id: int, start: float, end: float, user_id: int = 0
) -> list[VoiceSessionFacts]:
    """Sessions overlapping ``[start, end)``, oldest first; open ones have ``end`` 0."""
    query = (
        'SELECT channel_id, user_id, start, "end", ended FROM voice_sessions'
        ' WHERE guild_id = ? AND start < ? AND ("end" IS NULL OR "end" > ?)'
    )
    parameters: tuple[int | float, ...] = (guild_id, end, start)
    if user_id:
        query += " AND user_id = ?"
        parameters += (user_id,)
    return [
        VoiceSessionFacts(
            channel_id=channel,
            user_id=user,
            start=float(begin),
            end=float(finish or 0),
            ended=ended or "",
        )
        for channel, user, begin, finish, ended in connection.execute(
            query + " ORDER BY start, user_id", parameters
        )
    ]

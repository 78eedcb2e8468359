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
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable

from bus.protocol import VoiceFacts, VoiceSessionFacts

log = logging.getLogger(__name__)

REPAIR_WINDOW = 2 * 24 * 3600.0

Member = tuple[int, int]  # (guild id, user id)


class VoiceBook:
    """Writes voice transitions as sessions; runs on the database thread only.

    Remembers each member's latest transition time, so telling a late event from a fresh
    one costs no query.
    """

    def __init__(self) -> None:
        self._latest: dict[Member, float] = {}
        self.ignored = 0

    def forget(self, user_id: int) -> None:
        """Drop what is remembered of a user (after their data was deleted)."""
        for member in [member for member in self._latest if member[1] == user_id]:
            del self._latest[member]

    def forget_all(self) -> None:
        """Drop every remembered time (after a rollback)."""
        self._latest.clear()

    def latest(self, connection: sqlite3.Connection, member: Member) -> float:
        """The time of the member's latest known transition (or session boundary)."""
        known = self._latest.get(member)
        if known is None:
            row = connection.execute(
                'SELECT max(coalesce(max(at), 0), coalesce((SELECT max(coalesce("end", start))'
                " FROM voice_sessions WHERE guild_id = :guild AND user_id = :user), 0))"
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
        if at >= latest:
            self._latest[member] = at
            _step(connection, member, channel_id, at, reconciled)
        else:
            _rederive(connection, member, at)

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
                "SELECT user_id, channel_id FROM voice_sessions"
                ' WHERE guild_id = ? AND "end" IS NULL',
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


def _step(
    connection: sqlite3.Connection, member: Member, channel_id: int, at: float, reconciled: bool
) -> None:
    open_session = connection.execute(
        'SELECT id, channel_id FROM voice_sessions WHERE guild_id = ? AND user_id = ? AND "end"'
        " IS NULL",
        member,
    ).fetchone()
    if open_session is not None:
        session_id, open_channel = open_session
        if open_channel == channel_id:
            return  # a mute/deafen change, or the same join twice
        ended = "reconciled" if reconciled else "moved" if channel_id else "left"
        connection.execute(
            'UPDATE voice_sessions SET "end" = max(start, ?), ended = ? WHERE id = ?',
            (at, ended, session_id),
        )
    if channel_id:
        connection.execute(
            "INSERT INTO voice_sessions (guild_id, channel_id, user_id, start) VALUES (?, ?, ?, ?)",
            (member[0], channel_id, member[1], at),
        )


def _rederive(connection: sqlite3.Connection, member: Member, since: float) -> None:
    """Derive the member's sessions from ``since`` again, from the logged transitions."""
    guild_id, user_id = member
    connection.execute(
        "DELETE FROM voice_sessions WHERE guild_id = ? AND user_id = ? AND start >= ?",
        (guild_id, user_id, since),
    )
    # The session that was running at ``since`` is the state before the late event.
    connection.execute(
        'UPDATE voice_sessions SET "end" = NULL, ended = NULL WHERE guild_id = ? AND user_id = ?'
        ' AND start < ? AND "end" >= ?',
        (guild_id, user_id, since, since),
    )
    replay = connection.execute(
        "SELECT at, channel_id, reconciled FROM voice_events"
        " WHERE guild_id = ? AND user_id = ? AND at >= ? ORDER BY at, rowid",
        (guild_id, user_id, since),
    ).fetchall()
    for at, channel_id, reconciled in replay:
        _step(connection, member, channel_id, at, bool(reconciled))


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
            channel_id=channel, user_id=user, start=begin, end=finish or 0.0, ended=ended or ""
        )
        for channel, user, begin, finish, ended in connection.execute(
            query + " ORDER BY start, id", parameters
        )
    ]

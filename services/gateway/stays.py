"""The instants of voice transitions, stamped so that a step of the wall clock cannot
stretch or shrink a voice stay.

Telemetry measures a stay as the instant of the transition that ended it minus the instant
of the one that began it. Stamped from the wall clock alone, a stay across an NTP step (a
Raspberry Pi boots with the time it saved at shutdown and is set right later, by hours)
gains or loses the whole step: 15 minutes in voice across a +10 h step were stored as
10.2 hours.

So while this process knows where a member is in voice, each of their transitions is
stamped from a *mark* (``bus.clock.Mark``) taken when it learnt so (their join,
or the snapshot that found them there) plus the time elapsed since on the monotonic clock:
the stay starts at the calendar instant of its beginning and lasts as long as it really
did. A member's next join, once they have left, is stamped from the wall clock again, so
new stays follow the corrected clock; but never before their own latest stamp (after a
backward step), which would put the join before the leave and make telemetry rebuild the
member's stays in the wrong order.

What this process did not see begin is measured from when it first saw it: a member found
in voice by the snapshot after a restart of the gateway keeps the stay telemetry holds open
for them, whose part before the snapshot is the wall clock's account, the best anyone has.
"""

from __future__ import annotations

from collections.abc import Iterable

from bus.clock import Calendar, Mark

Member = tuple[int, int]  # (guild id, user id)


class VoiceStamps:
    """The calendar instants of each member's voice transitions; see the module docstring."""

    def __init__(self, calendar: Calendar) -> None:
        self._calendar = calendar
        # Where each member is, as far as this process knows, and the real instant (with the
        # monotonic clock at that moment) from which their later transitions are measured.
        self._in_voice: dict[Member, tuple[int, Mark]] = {}
        # The real instant of a member's leave that was stamped ahead of the wall clock (it
        # was stepped back during their stay): their next join may not come before it.
        self._ahead: dict[Member, float] = {}

    def transition(self, member: Member, channel_id: int) -> float:
        """The calendar instant at which ``member`` is, from now on, in ``channel_id``
        (0: not in voice); a mute or deafen change keeps their channel."""
        now = self._calendar.mark()
        where = self._in_voice.get(member)
        if where is not None:
            real = where[1].real_after(now)
        else:
            real = max(now.wall, self._ahead.pop(member, now.wall))
        if channel_id:
            self._in_voice[member] = (channel_id, Mark(real, now.steady))
        else:
            self._in_voice.pop(member, None)
            if real > now.wall:
                self._ahead[member] = real
        if self._ahead:  # the wall clock catches up with them, then they are spent
            self._ahead = {key: at for key, at in self._ahead.items() if at > now.wall}
        return self._calendar.calendar_at(real)

    def snapshot(self, guild_id: int, in_voice: Iterable[tuple[int, int]]) -> float:
        """The calendar instant of a snapshot of ``guild_id`` that finds ``in_voice`` (user
        id, channel id) in voice: where it agrees with what this process knew, the stays go
        on being measured as before; any other is measured from now, as telemetry
        reconciles it from the snapshot's instant."""
        now = self._calendar.mark()
        present = dict(in_voice)
        for member in [member for member in self._in_voice if member[0] == guild_id]:
            if present.get(member[1]) != self._in_voice[member][0]:
                del self._in_voice[member]
        for user_id, channel_id in present.items():
            self._in_voice.setdefault((guild_id, user_id), (channel_id, now))
        return self._calendar.calendar_at(now.wall)

"""Names for the ids the records keep: members, channels and roles, as the bot knows the
guild now (the scheduler's roster, from the gateway's cache). A person reads names; the
ids stay beside them only where a machine reads too (the CSV exports)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bus.protocol import ChannelType, RosterReply

VOICE_KINDS = frozenset({ChannelType.VOICE, ChannelType.STAGE})


@dataclass(frozen=True, slots=True)
class Names:
    """What each id of one guild is called."""

    members: dict[int, str] = field(default_factory=dict)
    channels: dict[int, str] = field(default_factory=dict)
    voice: frozenset[int] = frozenset()
    roles: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, roster: RosterReply) -> Names:
        return cls(
            members={m.user_id: m.display_name for m in roster.members},
            channels={c.channel_id: c.name for c in roster.channels},
            voice=frozenset(c.channel_id for c in roster.channels if c.kind in VOICE_KINDS),
            roles={r.role_id: r.name for r in roster.roles},
        )

    def member(self, user_id: int) -> str:
        """A member's display name; "" for someone no longer in the guild."""
        return self.members.get(user_id, "")

    def channel_name(self, channel_id: int) -> str:
        """A channel's bare name; "" for a channel the guild no longer has."""
        return self.channels.get(channel_id, "")

    def channel(self, channel_id: int) -> str:
        """A channel as Discord shows it: ``#general``, ``🔊 Squad``; a deleted one says so."""
        name = self.channels.get(channel_id)
        if name is None:
            return "a deleted channel"
        return f"🔊 {name}" if channel_id in self.voice else f"#{name}"

    def role(self, role_id: int) -> str:
        """A role as Discord shows it: ``@Veteran``; a deleted one says so."""
        name = self.roles.get(role_id)
        return f"@{name}" if name is not None else "a deleted role"

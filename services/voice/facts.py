"""What the voice service knows of each guild, from the gateway's events on the bus.

Snapshots replace a guild's facts; voice and member events keep them current between
snapshots. The voice service's own Discord session never feeds this: one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bus.protocol import (
    GuildSnapshot,
    MemberFacts,
    MemberLeft,
    MemberUpdated,
    VoiceChanged,
)


@dataclass(slots=True)
class GuildFacts:
    """Members (names, bot flag) and who is in which voice channel."""

    guild_id: int
    members: dict[int, MemberFacts] = field(default_factory=dict)
    channel_of: dict[int, int] = field(default_factory=dict)  # user id -> voice channel id

    def people_in(self, channel_id: int) -> set[int]:
        """The non-bot members in a voice channel."""
        return {
            user
            for user, channel in self.channel_of.items()
            if channel == channel_id and not self._is_bot(user)
        }

    def name(self, user_id: int) -> str | None:
        member = self.members.get(user_id)
        return member.display_name if member is not None else None

    def _is_bot(self, user_id: int) -> bool:
        member = self.members.get(user_id)
        return member is not None and member.bot


class Facts:
    """Every guild's facts, kept by the bus events the voice service subscribes to."""

    def __init__(self) -> None:
        self.guilds: dict[int, GuildFacts] = {}

    def guild(self, guild_id: int) -> GuildFacts:
        return self.guilds.setdefault(guild_id, GuildFacts(guild_id))

    def snapshot(self, snapshot: GuildSnapshot) -> None:
        self.guilds[snapshot.guild_id] = GuildFacts(
            snapshot.guild_id,
            members={m.user_id: m for m in snapshot.members},
            channel_of={v.user_id: v.channel_id for v in snapshot.voice if v.channel_id},
        )

    def voice(self, event: VoiceChanged) -> None:
        guild = self.guild(event.guild_id)
        guild.members[event.member.user_id] = event.member
        if event.after.channel_id:
            guild.channel_of[event.member.user_id] = event.after.channel_id
        else:
            guild.channel_of.pop(event.member.user_id, None)

    def member(self, event: MemberUpdated) -> None:
        self.guild(event.guild_id).members[event.member.user_id] = event.member

    def member_left(self, event: MemberLeft) -> None:
        guild = self.guild(event.guild_id)
        guild.members.pop(event.user_id, None)
        guild.channel_of.pop(event.user_id, None)

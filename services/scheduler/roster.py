"""What the scheduler knows of each guild, kept from the gateway's facts: no Discord call needed.

Names, roles and permissions come with every snapshot, member update, reaction and voice
event; voice presence comes from snapshots and voice events; the guild's custom emoji from
snapshots and emoji updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bus.protocol import (
    ChannelFacts,
    ChannelType,
    EmojiFacts,
    EmojisUpdated,
    GuildSnapshot,
    MemberFacts,
    MemberLeft,
    MemberUpdated,
    ReactionAdded,
    ReactionRemoved,
    RoleFacts,
    VoiceChanged,
)

TEXT_CHANNELS = frozenset({ChannelType.TEXT, ChannelType.ANNOUNCEMENT})
VOICE_CHANNELS = frozenset({ChannelType.VOICE, ChannelType.STAGE})


@dataclass(slots=True)
class GuildView:
    """One guild as the scheduler sees it."""

    guild_id: int
    name: str = ""
    owner_id: int = 0
    afk_channel_id: int = 0
    members: dict[int, MemberFacts] = field(default_factory=dict)
    roles: dict[int, RoleFacts] = field(default_factory=dict)
    channels: dict[int, ChannelFacts] = field(default_factory=dict)
    voice: dict[int, int] = field(default_factory=dict)  # user id -> voice channel id
    emojis: dict[int, EmojiFacts] | None = None
    """The guild's custom emoji by id; None until the gateway has said (no snapshot yet)."""
    icon_url: str = ""

    def label(self, user_id: int, rank_emoji: Mapping[int, str]) -> tuple[str, str]:
        """(rank emoji of the member's highest mapped role or "", display name)."""
        member = self.members.get(user_id)
        if member is None:
            return "", f"member {user_id}"
        ranked = [self.roles[r] for r in member.role_ids if r in rank_emoji and r in self.roles]
        if not ranked:
            return "", member.display_name
        best = max(ranked, key=lambda role: (role.position, role.role_id))
        return rank_emoji[best.role_id], member.display_name

    def in_channel(self, channel_id: int) -> list[int]:
        """The members in voice channel ``channel_id``."""
        return sorted(user for user, channel in self.voice.items() if channel == channel_id)


class Roster:
    """Every guild's view, updated by the gateway's events."""

    def __init__(self) -> None:
        self.guilds: dict[int, GuildView] = {}

    def guild(self, guild_id: int) -> GuildView:
        """The guild's view (empty until the gateway tells about it)."""
        view = self.guilds.get(guild_id)
        if view is None:
            view = self.guilds[guild_id] = GuildView(guild_id)
        return view

    def apply(
        self,
        event: GuildSnapshot
        | MemberUpdated
        | MemberLeft
        | ReactionAdded
        | ReactionRemoved
        | VoiceChanged
        | EmojisUpdated,
    ) -> None:
        """Update the view of the event's guild."""
        view = self.guild(event.guild_id)
        match event:
            case GuildSnapshot():
                view.name, view.owner_id = event.name, event.owner_id
                view.afk_channel_id, view.icon_url = event.afk_channel_id, event.icon_url
                view.members = {m.user_id: m for m in event.members}
                view.roles = {r.role_id: r for r in event.roles}
                view.channels = {c.channel_id: c for c in event.channels}
                view.voice = {v.user_id: v.channel_id for v in event.voice if v.channel_id}
                view.emojis = {e.emoji_id: e for e in event.emojis}
            case EmojisUpdated():
                view.emojis = {e.emoji_id: e for e in event.emojis}
            case MemberLeft():
                view.members.pop(event.user_id, None)
                view.voice.pop(event.user_id, None)
            case VoiceChanged():
                view.members[event.member.user_id] = event.member
                if event.after.channel_id:
                    view.voice[event.member.user_id] = event.after.channel_id
                else:
                    view.voice.pop(event.member.user_id, None)
            case MemberUpdated() | ReactionAdded() | ReactionRemoved():
                view.members[event.member.user_id] = event.member

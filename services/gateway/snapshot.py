"""Facts from nextcord's cache: members, roles, channels, voice states, whole guilds.

Everything here reads the local cache only, so turning an event into a bus
message never costs a Discord request.
"""

from __future__ import annotations

import nextcord

from bus.protocol import (
    ChannelFacts,
    EmojiFacts,
    GuildSnapshot,
    MemberFacts,
    RoleFacts,
    VoiceFacts,
)


def member_facts(member: nextcord.Member) -> MemberFacts:
    """What downstream services need to know about a member."""
    return MemberFacts(
        user_id=member.id,
        display_name=member.display_name,
        avatar_url=member.display_avatar.url,
        # The first role is @everyone (id = guild id); it says nothing about rank.
        role_ids=[role.id for role in member.roles if role.id != member.guild.id],
        bot=member.bot,
        permissions=member.guild_permissions.value,
    )


def user_facts(user: nextcord.User | nextcord.Member) -> MemberFacts:
    """Facts about a user who may not be a cached member (partial, but never a REST call)."""
    if isinstance(user, nextcord.Member):
        return member_facts(user)
    return MemberFacts(
        user_id=user.id,
        display_name=user.display_name,
        avatar_url=user.display_avatar.url,
        bot=user.bot,
    )


def voice_facts(user_id: int, state: nextcord.VoiceState | None) -> VoiceFacts:
    """Where a member is in voice (channel 0 when nowhere)."""
    if state is None or state.channel is None:
        return VoiceFacts(user_id=user_id)
    return VoiceFacts(
        user_id=user_id,
        channel_id=state.channel.id,
        self_mute=state.self_mute,
        self_deaf=state.self_deaf,
        mute=state.mute,
        deaf=state.deaf,
    )


def role_facts(role: nextcord.Role) -> RoleFacts:
    return RoleFacts(
        role_id=role.id, name=role.name, position=role.position, permissions=role.permissions.value
    )


def channel_facts(channel: nextcord.abc.GuildChannel) -> ChannelFacts:
    return ChannelFacts(
        channel_id=channel.id,
        name=channel.name,
        kind=channel.type.value,
        position=channel.position,
        parent_id=channel.category_id or 0,
    )


def emoji_facts(emoji: nextcord.Emoji) -> EmojiFacts:
    return EmojiFacts(
        emoji_id=emoji.id, name=emoji.name, animated=emoji.animated, available=emoji.available
    )


def guild_snapshot(guild: nextcord.Guild, at: float) -> GuildSnapshot:
    """Everything the cache holds about ``guild`` at calendar instant ``at``, for the services'
    reconciliation."""
    return GuildSnapshot(
        guild_id=guild.id,
        name=guild.name,
        owner_id=guild.owner_id or 0,
        members=[member_facts(m) for m in guild.members],
        roles=[role_facts(r) for r in guild.roles],
        channels=[channel_facts(c) for c in guild.channels],
        voice=[
            voice_facts(m.id, m.voice)
            for m in guild.members
            if m.voice is not None and m.voice.channel is not None
        ],
        afk_channel_id=guild.afk_channel.id if guild.afk_channel else 0,
        at=at,
        emojis=[emoji_facts(e) for e in guild.emojis],
        icon_url=guild.icon.url if guild.icon else "",
    )


def emoji_text(emoji: nextcord.PartialEmoji | nextcord.Emoji | str) -> str:
    """A unicode emoji as is, a custom one as ``name:id`` (the form Discord's routes take)."""
    if isinstance(emoji, str):
        return emoji
    if emoji.id is None:
        return emoji.name or ""
    return f"{emoji.name}:{emoji.id}"

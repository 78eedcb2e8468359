"""Builders of the bus facts the telemetry tests feed in."""

from __future__ import annotations

import itertools

from bus.protocol import Envelope, Event, GuildSnapshot, MemberFacts, VoiceChanged, VoiceFacts

GUILD = 1000
_ids = itertools.count(1)


def member(user_id: int) -> MemberFacts:
    """A human member called ``member <id>``."""
    return MemberFacts(user_id=user_id, display_name=f"member {user_id}")


def voice(user_id: int, before: int, after: int, at: float, guild: int = GUILD) -> VoiceChanged:
    """A voice state change of ``user_id`` from channel ``before`` to ``after`` (0: none)."""
    return VoiceChanged(
        guild_id=guild,
        member=member(user_id),
        before_channel_id=before,
        after=VoiceFacts(user_id=user_id, channel_id=after),
        at=at,
    )


def snapshot(in_voice: dict[int, int], at: float, guild: int = GUILD) -> GuildSnapshot:
    """A guild snapshot with ``in_voice`` (user id -> channel id) in voice."""
    return GuildSnapshot(
        guild_id=guild,
        name="squad",
        owner_id=1,
        members=[member(user_id) for user_id in in_voice],
        roles=[],
        channels=[],
        voice=[VoiceFacts(user_id=user, channel_id=channel) for user, channel in in_voice.items()],
        at=at,
    )


def envelope(body: Event, *, recorded: bool = True, id: str = "") -> Envelope:
    """An envelope as the gateway's bus client would send it (fresh id unless given)."""
    seq = next(_ids)
    return Envelope(
        id=id or f"gateway-test:{seq}",
        source="gateway",
        instance="gateway-test",
        seq=seq,
        time=getattr(body, "at", 0.0),
        body=body,
        recorded=recorded,
    )

"""Discord events as bus facts: reactions, voice, members, guild snapshots.

Each handler reads only nextcord's cache and the event's own payload. Raw
events are used where the cache may be cold (a reaction on a message sent
before this process started); the member then comes from the payload or the
member cache, which the members intent keeps complete.
"""

from __future__ import annotations

import logging

import msgspec
import nextcord

from bus.client import BusClient
from bus.clock import Calendar
from bus.protocol import (
    EmojisUpdated,
    EventInterest,
    MemberFacts,
    MemberLeft,
    MemberUpdated,
    ReactionAdded,
    ReactionRemoved,
    VoiceChanged,
)
from services.gateway.snapshot import (
    emoji_facts,
    emoji_text,
    guild_snapshot,
    member_facts,
    voice_facts,
)
from services.gateway.stays import VoiceStamps

log = logging.getLogger(__name__)


class EventPublisher:
    """Publishes what happened on Discord to the bus."""

    def __init__(self, bus: BusClient, client: nextcord.Client, calendar: Calendar) -> None:
        self.bus = bus
        self.client = client
        self.calendar = calendar  # what every fact is stamped with
        self.stays = VoiceStamps(calendar)  # voice transitions: measured, not just read
        self.snapshots = 0

    def _member(self, guild_id: int, user_id: int) -> MemberFacts:
        guild = self.client.get_guild(guild_id)
        member = guild.get_member(user_id) if guild is not None else None
        if member is not None:
            return member_facts(member)
        user = self.client.get_user(user_id)
        # Still no REST call: a member we cannot see is named by id, and the
        # next snapshot (which services reconcile against) fills the gap.
        name = user.display_name if user is not None else str(user_id)
        return MemberFacts(user_id=user_id, display_name=name, bot=bool(user and user.bot))

    def reaction(self, payload: nextcord.RawReactionActionEvent) -> None:
        if payload.guild_id is None:
            return
        if payload.member is not None:
            member = member_facts(payload.member)
        else:
            member = self._member(payload.guild_id, payload.user_id)
        kind = ReactionAdded if payload.event_type == "REACTION_ADD" else ReactionRemoved
        self.bus.publish(
            kind(
                guild_id=payload.guild_id,
                channel_id=payload.channel_id,
                message_id=payload.message_id,
                emoji=emoji_text(payload.emoji),
                member=member,
                at=self.calendar.now(),
            )
        )

    def voice(
        self, member: nextcord.Member, before: nextcord.VoiceState, after: nextcord.VoiceState
    ) -> None:
        # Recorded: voice history is built from these, so telemetry must get every one.
        facts = voice_facts(member.id, after)
        self.bus.record(
            VoiceChanged(
                guild_id=member.guild.id,
                member=member_facts(member),
                before_channel_id=before.channel.id if before.channel is not None else 0,
                after=facts,
                at=self.stays.transition((member.guild.id, member.id), facts.channel_id),
            )
        )

    def interest(self, data: object, own_id: int, *, interested: bool) -> None:
        """A GUILD_SCHEDULED_EVENT_USER_ADD or _REMOVE payload (``guild_scheduled_event_id``,
        ``user_id``, ``guild_id``: Discord's docs, Gateway Events), unless it is the bot's own:
        the bot never marks itself in."""
        if not isinstance(data, dict):
            data = {}
        try:
            fact = EventInterest(
                guild_id=int(data["guild_id"]),
                event_id=int(data["guild_scheduled_event_id"]),
                user_id=int(data["user_id"]),
                interested=interested,
                at=self.calendar.now(),
            )
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring a scheduled event user payload without ids: %r", data)
            return
        if fact.user_id != own_id:
            self.bus.publish(fact)

    def member_changed(self, member: nextcord.Member) -> None:
        self.bus.publish(
            MemberUpdated(
                guild_id=member.guild.id, member=member_facts(member), at=self.calendar.now()
            )
        )

    def user_changed(self, user: nextcord.User) -> None:
        """A name or avatar change of the user behind members in every shared guild."""
        for guild in self.client.guilds:
            member = guild.get_member(user.id)
            if member is not None:
                self.member_changed(member)

    def member_left(self, payload: nextcord.RawMemberRemoveEvent) -> None:
        self.bus.publish(
            MemberLeft(guild_id=payload.guild_id, user_id=payload.user.id, at=self.calendar.now())
        )

    def emojis_changed(self, guild: nextcord.Guild) -> None:
        """The guild's custom emoji after GUILD_EMOJIS_UPDATE (nextcord's cache holds them)."""
        self.bus.publish(
            EmojisUpdated(
                guild_id=guild.id,
                emojis=[emoji_facts(e) for e in guild.emojis],
                at=self.calendar.now(),
            )
        )

    def snapshot(self, guild: nextcord.Guild) -> None:
        snapshot = guild_snapshot(guild, 0.0)
        at = self.stays.snapshot(guild.id, [(v.user_id, v.channel_id) for v in snapshot.voice])
        self.bus.publish(msgspec.structs.replace(snapshot, at=at))
        self.snapshots += 1
        log.info("published a snapshot of %s (%d members)", guild.name, guild.member_count or 0)

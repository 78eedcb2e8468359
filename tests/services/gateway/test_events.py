"""Discord events reach the bus with everything downstream services need."""

from __future__ import annotations

from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import (
    EmojiFacts,
    EmojisUpdated,
    FetchGuilds,
    GuildsFetched,
    GuildSnapshot,
    MemberLeft,
    MemberUpdated,
    MessageSent,
    ReactionAdded,
    ReactionRemoved,
    SendMessage,
    VoiceChanged,
)
from emulator import Emulator
from emulator.rules.intents import Intent
from tests.emulator.support import small_community
from tests.services.gateway.support import STEP, peer, running_gateway


async def test_ready_publishes_a_full_snapshot(endpoints: Endpoints, short_tmp: Path) -> None:
    """On ready the gateway publishes members, roles, channels and voice states of each guild."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice, mute=True)
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            [snapshot] = await seen.wait_for(GuildSnapshot)
            assert snapshot.guild_id == town.guild.id
            assert snapshot.name == "Squad"
            assert snapshot.owner_id == town.guild.owner_id
            members = {m.user_id: m for m in snapshot.members}
            assert members[town.alice.user_id].display_name == "Alice"
            assert members[town.admin.user_id].role_ids == [town.admins.id]
            assert members[town.admin.user_id].permissions & (1 << 5)
            assert members[emu.bot_id].bot
            assert members[town.bob.user_id].avatar_url.startswith("https://")
            assert town.admins.id in {r.role_id for r in snapshot.roles}
            kinds = {c.channel_id: c.kind for c in snapshot.channels}
            assert kinds[town.text.id] == 0
            assert kinds[town.voice.id] == 2
            [voice] = snapshot.voice
            assert (voice.user_id, voice.channel_id, voice.self_mute) == (
                town.alice.user_id,
                town.voice.id,
                True,
            )


async def test_reactions_arrive_with_member_facts(endpoints: Endpoints, short_tmp: Path) -> None:
    """A member's reaction add and remove reach the bus with ids, emoji and member facts."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with (
            peer(endpoints) as seen,
            running_gateway(emu, endpoints, short_tmp),
        ):
            sent = await seen.client.request(
                "gateway",
                SendMessage(channel_id=town.text.id, content="Who plays today?"),
                expect=MessageSent,
                timeout=STEP,
            )
            await emu.driver.react(town.admin, sent.message_id, "🎮")
            await emu.driver.unreact(town.admin, sent.message_id, "🎮")
            [added] = await seen.wait_for(ReactionAdded)
            [removed] = await seen.wait_for(ReactionRemoved)
            for event in (added, removed):
                assert event.guild_id == town.guild.id
                assert event.channel_id == town.text.id
                assert event.message_id == sent.message_id
                assert event.emoji == "🎮"
                assert event.member.user_id == town.admin.user_id
                assert event.member.display_name == "admin"
                assert event.member.role_ids == [town.admins.id]
                assert event.at > 0


async def test_voice_changes_are_recorded(endpoints: Endpoints, short_tmp: Path) -> None:
    """Join, mute, deafen, move and leave each become a recorded VoiceChanged."""

    async with Emulator() as emu:
        town = small_community(emu)
        other = emu.driver.add_voice_channel(town.guild, "Ranked")
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            await seen.wait_for(GuildSnapshot)
            await emu.driver.join_voice(town.bob, town.voice)
            await emu.driver.set_voice(town.bob, self_mute=True)
            await emu.driver.set_voice(town.bob, self_deaf=True)
            await emu.driver.move_voice(town.bob, other)
            await emu.driver.leave_voice(town.bob)
            changes = await seen.wait_for(VoiceChanged, count=5)
            steps = [
                (c.before_channel_id, c.after.channel_id, c.after.self_mute, c.after.self_deaf)
                for c in changes
            ]
            assert steps == [
                (0, town.voice.id, False, False),
                (town.voice.id, town.voice.id, True, False),
                (town.voice.id, town.voice.id, True, True),
                (town.voice.id, other.id, True, True),
                (other.id, 0, False, False),
            ]
            assert all(c.member.user_id == town.bob.user_id for c in changes)
            recorded = [e for e in seen.events if isinstance(e.body, VoiceChanged)]
            assert all(e.recorded for e in recorded)


async def test_member_join_update_and_leave(endpoints: Endpoints, short_tmp: Path) -> None:
    """A new member, a role change and a departure each reach the bus."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            await seen.wait_for(GuildSnapshot)
            carol = emu.driver.add_member(town.guild, "carol", nick="Caz")
            [joined] = await seen.wait_for(
                MemberUpdated, lambda e: e.member.user_id == carol.user_id
            )
            assert joined.member.display_name == "Caz"
            emu.driver.set_roles(town.bob, [town.admins])
            [promoted] = await seen.wait_for(
                MemberUpdated, lambda e: e.member.user_id == town.bob.user_id
            )
            assert promoted.member.role_ids == [town.admins.id]
            assert promoted.member.permissions & (1 << 5)
            emu.driver.remove_member(carol)
            [left] = await seen.wait_for(MemberLeft)
            assert (left.guild_id, left.user_id) == (town.guild.id, carol.user_id)


async def test_new_session_publishes_a_fresh_snapshot(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """When Discord ends the session, the guilds that come back are published again in full."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            [first] = await seen.wait_for(GuildSnapshot)
            await emu.gateway.invalidate_sessions(resumable=False)
            _, second = await seen.wait_for(GuildSnapshot, count=2)
            assert second.guild_id == town.guild.id
            assert {m.user_id for m in second.members} == {m.user_id for m in first.members}
            assert second.at > first.at


async def test_session_asks_only_for_the_intents_the_bot_uses(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Guilds, members, voice states, reactions, expressions (the guild's emoji) and
    scheduled events (a member's "Interested" on the hour's event): no messages, contents
    or presences."""

    async with Emulator() as emu:
        small_community(emu)
        async with running_gateway(emu, endpoints, short_tmp):
            [session] = emu.gateway.sessions.values()
            assert Intent(session.intents) == (
                Intent.GUILDS
                | Intent.GUILD_MEMBERS
                | Intent.GUILD_VOICE_STATES
                | Intent.GUILD_MESSAGE_REACTIONS
                | Intent.GUILD_SCHEDULED_EVENTS
                | Intent.GUILD_EXPRESSIONS
            )


async def test_the_guilds_custom_emoji_are_in_its_snapshot_and_kept_up_to_date(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The snapshot lists the guild's custom emoji; each GUILD_EMOJIS_UPDATE publishes all of
    them again (one added, one deleted), and a service that asks later gets the new list."""

    async with Emulator() as emu:
        town = small_community(emu)
        party = emu.driver.add_emoji(town.guild, "party")
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            [snapshot] = await seen.wait_for(GuildSnapshot)
            assert snapshot.emojis == [EmojiFacts(emoji_id=party.id, name="party")]
            gg = emu.driver.add_emoji(town.guild, "gg", animated=True)
            [added] = await seen.wait_for(EmojisUpdated)
            assert added.guild_id == town.guild.id
            assert added.at > 0
            assert {(e.emoji_id, e.name, e.animated) for e in added.emojis} == {
                (party.id, "party", False),
                (gg.id, "gg", True),
            }
            emu.driver.remove_emoji(party)
            _, removed = await seen.wait_for(EmojisUpdated, count=2)
            assert removed.emojis == [EmojiFacts(emoji_id=gg.id, name="gg", animated=True)]
            fetched = await seen.client.request(
                "gateway", FetchGuilds(), expect=GuildsFetched, timeout=STEP
            )
            [guild] = fetched.guilds
            assert [e.name for e in guild.emojis] == ["gg"]

"""The gateway as a nextcord client lives it: READY, events, RESUME, INVALID_SESSION, outages."""

import asyncio

import nextcord
import pytest
from nextcord.http import Route

from emulator import Emulator
from tests.emulator.support import STEP, make_client, running, small_community


async def test_guild_create_carries_members_roles_channels_and_voice_states() -> None:
    """After login the client's cache holds the guild exactly as the emulator built it."""

    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.bob, town.voice, mute=True)
        async with running(emu, make_client()) as client:
            guild = client.get_guild(town.guild.id)
            assert guild is not None
            assert {m.name for m in guild.members} == {
                "owner",
                "squadtime",
                "admin",
                "alice",
                "bob",
            }
            assert "Admins" in {r.name for r in guild.roles}
            assert {c.name for c in guild.channels} == {"general", "Lobby"}
            bob = guild.get_member(town.bob.user_id)
            assert bob is not None
            assert bob.voice is not None
            assert bob.voice.channel is not None
            assert bob.voice.channel.id == town.voice.id
            assert bob.voice.self_mute
            assert guild.me.guild_permissions.manage_messages


async def test_each_event_kind_reaches_the_client() -> None:
    """Messages, reactions, voice and member updates arrive as nextcord events."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            created = asyncio.ensure_future(client.wait_for("message", timeout=STEP))
            said = await emu.driver.say(town.alice, town.text, "anyone up for a raid?")
            message = await created
            assert isinstance(message, nextcord.Message)
            assert message.content == "anyone up for a raid?"
            assert message.author.id == town.alice.user_id

            added = asyncio.ensure_future(client.wait_for("raw_reaction_add", timeout=STEP))
            await emu.driver.react(town.bob, said.id, "👍")
            reaction = await added
            assert isinstance(reaction, nextcord.RawReactionActionEvent)
            assert (reaction.user_id, str(reaction.emoji)) == (town.bob.user_id, "👍")

            removed = asyncio.ensure_future(client.wait_for("raw_reaction_remove", timeout=STEP))
            await emu.driver.unreact(town.bob, said.id, "👍")
            assert isinstance(await removed, nextcord.RawReactionActionEvent)

            joined = asyncio.ensure_future(client.wait_for("voice_state_update", timeout=STEP))
            await emu.driver.join_voice(town.alice, town.voice, deaf=True)
            _, _, after = await joined
            assert isinstance(after, nextcord.VoiceState)
            assert after.channel is not None
            assert after.channel.id == town.voice.id
            assert after.self_deaf

            left = asyncio.ensure_future(client.wait_for("voice_state_update", timeout=STEP))
            await emu.driver.leave_voice(town.alice)
            _, _, after = await left
            assert isinstance(after, nextcord.VoiceState)
            assert after.channel is None

            updated = asyncio.ensure_future(client.wait_for("member_update", timeout=STEP))
            emu.driver.set_roles(town.alice, [town.admins])
            _, after_member = await updated
            assert isinstance(after_member, nextcord.Member)
            assert "Admins" in {r.name for r in after_member.roles}

            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            sent = await asyncio.wait_for(channel.send("bot speaking"), STEP)
            edited = asyncio.ensure_future(client.wait_for("message_edit", timeout=STEP))
            await asyncio.wait_for(sent.edit(content="bot edited"), STEP)
            _, after_edit = await edited
            assert isinstance(after_edit, nextcord.Message)
            assert after_edit.content == "bot edited"

            deleted = asyncio.ensure_future(client.wait_for("raw_message_delete", timeout=STEP))
            await asyncio.wait_for(sent.delete(), STEP)
            gone = await deleted
            assert isinstance(gone, nextcord.RawMessageDeleteEvent)
            assert gone.message_id == sent.id


async def test_client_resumes_after_reconnect_request_and_dropped_socket() -> None:
    """Op 7 and a resumable close both end in RESUME, with missed events replayed."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            resumed = asyncio.ensure_future(client.wait_for("resumed", timeout=STEP))
            emu.gateway.request_reconnect()
            await resumed

            await emu.gateway.drop_connections()
            missed = asyncio.ensure_future(client.wait_for("message", timeout=STEP))
            await emu.driver.say(town.alice, town.text, "sent while you were away")
            message = await missed
            assert isinstance(message, nextcord.Message)
            assert message.content == "sent while you were away"
            await emu.driver.wait_until(lambda: emu.gateway.resume_count == 2, timeout=STEP)
        assert emu.gateway.identify_count == 1


async def test_invalid_session_makes_the_client_identify_again() -> None:
    """After INVALID_SESSION (not resumable) the client opens a new session and keeps working."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            first = emu.gateway.live_sessions[0].id
            await emu.gateway.invalidate_sessions()
            await emu.driver.wait_until(
                lambda: any(s.id != first for s in emu.gateway.live_sessions), timeout=STEP
            )
            heard = asyncio.ensure_future(client.wait_for("message", timeout=STEP))
            await emu.driver.say(town.bob, town.text, "still there?")
            assert isinstance(await heard, nextcord.Message)
        assert emu.gateway.identify_count == 2


async def test_client_rides_out_an_outage() -> None:
    """While the gateway refuses connections the client retries, then resumes with the backlog."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            async with emu.gateway.outage():
                await emu.driver.wait_until(lambda: not emu.gateway.live_sessions, timeout=STEP)
                await emu.driver.say(town.alice, town.text, "during the outage")
            missed = asyncio.ensure_future(client.wait_for("message", timeout=STEP))
            message = await missed
            assert isinstance(message, nextcord.Message)
            assert message.content == "during the outage"
        assert emu.gateway.identify_count == 1


async def test_wrong_token_is_refused_at_login() -> None:
    """A client with a token the emulator does not know fails to log in."""

    async with Emulator() as emu:
        client = make_client()
        previous = Route.BASE
        Route.BASE = emu.api_url
        try:
            with pytest.raises(nextcord.LoginFailure):
                await asyncio.wait_for(client.login("not-the-token"), STEP)
        finally:
            await asyncio.wait_for(client.close(), STEP)
            Route.BASE = previous


async def test_message_content_needs_its_intent() -> None:
    """Without the message-content intent, members' messages arrive with empty content."""

    async with Emulator() as emu:
        town = small_community(emu)
        intents = nextcord.Intents.all()
        intents.message_content = False
        async with running(emu, make_client(intents)) as client:
            heard = asyncio.ensure_future(client.wait_for("message", timeout=STEP))
            await emu.driver.say(town.alice, town.text, "secret plans")
            message = await heard
            assert isinstance(message, nextcord.Message)
            assert message.content == ""


async def test_bot_voice_state_request_updates_its_voice_state() -> None:
    """Gateway op 4 moves the bot into a voice channel and back out (voice servers come later)."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            guild = client.get_guild(town.guild.id)
            voice = client.get_channel(town.voice.id)
            assert guild is not None
            assert isinstance(voice, nextcord.VoiceChannel)
            joined = asyncio.ensure_future(client.wait_for("voice_state_update", timeout=STEP))
            await asyncio.wait_for(guild.change_voice_state(channel=voice, self_deaf=True), STEP)
            member, _, after = await joined
            assert isinstance(member, nextcord.Member)
            assert member.id == emu.bot_id
            assert isinstance(after, nextcord.VoiceState)
            assert after.self_deaf
            assert emu.world.guilds[town.guild.id].voice_states[emu.bot_id].channel_id == voice.id
            left = asyncio.ensure_future(client.wait_for("voice_state_update", timeout=STEP))
            await asyncio.wait_for(guild.change_voice_state(channel=None), STEP)
            await left
            assert emu.bot_id not in emu.world.guilds[town.guild.id].voice_states

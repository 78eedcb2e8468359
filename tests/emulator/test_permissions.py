"""Channel permission overwrites, computed as Discord's "Permissions" page says, and the
bot refused with 50013 (50001 where it cannot see) in that channel only."""

import nextcord
import pytest

from emulator import Emulator, Refused
from emulator.rules.permissions import (
    ALL_PERMISSIONS,
    EVERYONE_DEFAULT,
    Overwrite,
    OverwriteType,
    Permission,
    channel_permissions,
)
from tests.emulator.support import STEP, api, make_client, running, small_community
from tests.emulator.voice_support import (
    join,
    join_encrypted,
    make_voice_client,
    play_to_end,
    tone,
)
from tests.helpers import eventually

GUILD, MEMBER, ROLE_A, ROLE_B = 1, 2, 3, 4
SEND, VIEW, REACT = Permission.SEND_MESSAGES, Permission.VIEW_CHANNEL, Permission.ADD_REACTIONS


def role(role_id: int, *, allow: int = 0, deny: int = 0) -> Overwrite:
    return Overwrite(role_id, OverwriteType.ROLE, allow=allow, deny=deny)


def member(*, allow: int = 0, deny: int = 0) -> Overwrite:
    return Overwrite(MEMBER, OverwriteType.MEMBER, allow=allow, deny=deny)


@pytest.mark.parametrize(
    ("base", "overwrites", "holds", "lacks"),
    [
        (EVERYONE_DEFAULT, [], SEND | REACT, 0),
        (EVERYONE_DEFAULT, [role(GUILD, deny=SEND)], REACT, SEND),
        # a role's allow beats the @everyone deny
        (EVERYONE_DEFAULT, [role(GUILD, deny=SEND), role(ROLE_A, allow=SEND)], SEND, 0),
        # between roles, allow wins over deny
        (EVERYONE_DEFAULT, [role(ROLE_A, deny=SEND), role(ROLE_B, allow=SEND)], SEND, 0),
        # the member's own overwrite comes last
        (EVERYONE_DEFAULT, [role(ROLE_A, allow=SEND), member(deny=SEND)], REACT, SEND),
        (EVERYONE_DEFAULT & ~SEND, [member(allow=SEND)], SEND, 0),
        # an overwrite for a role the member does not hold changes nothing
        (EVERYONE_DEFAULT, [role(99, deny=SEND)], SEND, 0),
        # administrators ignore overwrites
        (Permission.ADMINISTRATOR, [member(deny=VIEW | SEND)], ALL_PERMISSIONS, 0),
        # implicit: without View Channel nothing holds; without Send, no Attach Files
        (EVERYONE_DEFAULT, [role(GUILD, deny=VIEW)], 0, SEND | REACT | Permission.CONNECT),
        (EVERYONE_DEFAULT, [member(deny=SEND)], REACT, Permission.ATTACH_FILES),
    ],
)
def test_channel_permissions_follow_discords_algorithm(
    base: int, overwrites: list[Overwrite], holds: int, lacks: int
) -> None:
    """@everyone overwrite, then role overwrites combined, then the member's; admins keep all."""
    held = channel_permissions(
        base, guild_id=GUILD, user_id=MEMBER, roles=[ROLE_A, ROLE_B], overwrites=overwrites
    )
    assert held & holds == holds
    assert held & lacks == 0


async def test_send_messages_denied_in_one_channel_refuses_there_only() -> None:
    """403 50013 in the channel whose overwrite denies the bot, 200 in the next one."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "other")
        emu.driver.set_overwrite(town.text, emu.driver.bot(town.guild), deny=SEND)
        refused = await rest.post_message(town.text.id, {"content": "19h?"})
        assert (refused.status, refused.code) == (403, 50013)
        assert refused.body["message"] == "Missing Permissions"
        accepted = await rest.post_message(other.id, {"content": "19h?"})
        assert accepted.status == 200
        assert emu.driver.messages(town.text, town.alice) == []


async def test_a_role_overwrite_gives_back_what_everyone_lost() -> None:
    """@everyone denied Send Messages, the bot's role allowed it: the bot posts."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        bot_role = town.guild.roles[emu.driver.bot(town.guild).roles[0]]
        emu.driver.set_overwrite(town.text, town.guild.everyone, deny=SEND)
        refused = await rest.post_message(town.text.id, {"content": "19h?"})
        assert (refused.status, refused.code) == (403, 50013)
        emu.driver.set_overwrite(town.text, bot_role, allow=SEND)
        accepted = await rest.post_message(town.text.id, {"content": "19h?"})
        assert accepted.status == 200, accepted.body
        with pytest.raises(Refused, match="Send Messages"):
            await emu.driver.say(town.alice, town.text, "me too")


async def test_add_reactions_denied_in_one_channel_refuses_a_new_reaction_there() -> None:
    """403 50013 for a first reaction where Add Reactions is denied; 204 in another channel."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "other")
        here = await rest.post_message(town.text.id, {"content": "19h?"})
        there = await rest.post_message(other.id, {"content": "19h?"})
        emu.driver.set_overwrite(town.text, emu.driver.bot(town.guild), deny=REACT)
        path = "/channels/{}/messages/{}/reactions/👍/@me"
        refused = await rest.call("PUT", path.format(town.text.id, here.body["id"]))
        assert (refused.status, refused.code) == (403, 50013)
        accepted = await rest.call("PUT", path.format(other.id, there.body["id"]))
        assert accepted.status == 204


async def test_a_channel_the_bot_cannot_see_is_missing_access() -> None:
    """Without View Channel: post and list are 403 50001 Missing Access; history hidden is []."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        await emu.driver.say(town.alice, town.text, "hello")
        bot = emu.driver.bot(town.guild)
        emu.driver.set_overwrite(town.text, bot, deny=VIEW)
        posted = await rest.post_message(town.text.id, {"content": "19h?"})
        listed = await rest.call("GET", f"/channels/{town.text.id}/messages")
        assert (posted.status, posted.code) == (403, 50001)
        assert (listed.status, listed.code) == (403, 50001)
        emu.driver.set_overwrite(town.text, bot, deny=Permission.READ_MESSAGE_HISTORY)
        hidden = await rest.call("GET", f"/channels/{town.text.id}/messages")
        assert (hidden.status, hidden.body) == (200, [])


async def test_nextcord_sees_the_overwrites() -> None:
    """CHANNEL_UPDATE carries ``permission_overwrites``: nextcord's ``permissions_for`` agrees."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            emu.driver.set_overwrite(town.voice, emu.driver.bot(town.guild), deny=Permission.SPEAK)

            def speak_denied() -> bool:
                channel = client.get_channel(town.voice.id)
                assert isinstance(channel, nextcord.VoiceChannel)
                allowed = channel.permissions_for(channel.guild.me)
                return allowed.connect and not allowed.speak

            await eventually(speak_denied, STEP, "nextcord to apply the overwrite")


async def test_without_connect_a_voice_join_is_ignored_and_members_are_refused() -> None:
    """Discord answers no join without Connect (the client times out); elsewhere it joins."""
    async with Emulator() as emu:
        town = small_community(emu)
        lounge = emu.driver.add_voice_channel(town.guild, "Lounge")
        emu.driver.set_overwrite(town.voice, town.guild.everyone, deny=Permission.CONNECT)
        with pytest.raises(Refused, match="Connect"):
            await emu.driver.join_voice(town.alice, town.voice)
        await emu.driver.join_voice(town.alice, lounge)
        async with running(emu, make_voice_client(emu)) as client:
            channel = client.get_channel(town.voice.id)
            assert isinstance(channel, nextcord.VoiceChannel)
            with pytest.raises(TimeoutError):
                await channel.connect(timeout=1.0, reconnect=False)
            assert emu.bot_id not in emu.world.guild(town.guild.id).voice_states
            voice = await join(client, lounge.id)
            await voice.disconnect()


async def test_without_speak_the_bot_is_connected_but_not_heard() -> None:
    """Speak denied: the bot joins Alice and plays, and she hears nothing of it."""
    async with Emulator() as emu:
        town = small_community(emu)
        await emu.driver.join_voice(town.alice, town.voice)
        emu.driver.set_overwrite(town.voice, emu.driver.bot(town.guild), deny=Permission.SPEAK)
        async with running(emu, make_voice_client(emu)) as client:
            voice = await join_encrypted(client, town.voice.id)
            await play_to_end(voice, tone(1.0), timeout=STEP)
            await voice.disconnect()
        heard = emu.voice.heard(town.guild.id, town.voice.id)
        assert heard.voiced_seconds == heard.packets == heard.plain_packets == 0
        assert emu.voice.rejected_packets >= 40

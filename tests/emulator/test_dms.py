"""DMs between the bot and a member: Create DM, the DM channel, messages in it, and the member's
privacy setting that refuses them (403 50007), as Discord's User and Channel resources say."""

import asyncio
import json

import nextcord
import pytest

from emulator import Emulator
from tests.emulator.support import STEP, api, make_client, running, small_community


async def test_create_dm_opens_one_channel_per_member() -> None:
    """Create DM: a type-1 channel, the same one again; an unknown user is 400 50033."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice = town.alice.user_id
        first = await rest.call("POST", "/users/@me/channels", json_body={"recipient_id": alice})
        assert first.status == 200, first.body
        assert first.body["type"] == 1
        assert "guild_id" not in first.body
        assert [u["id"] for u in first.body["recipients"]] == [str(alice)]
        again = await rest.call(
            "POST", "/users/@me/channels", json_body={"recipient_id": str(alice)}
        )
        assert again.body["id"] == first.body["id"]
        unknown = await rest.call("POST", "/users/@me/channels", json_body={"recipient_id": "42"})
        assert (unknown.status, unknown.code) == (400, 50033)
        assert unknown.body["message"] == "Invalid Recipient(s)"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "", "CHANNEL_RECIPIENT_REQUIRED"),
        ({"recipient_id": None}, "", "CHANNEL_RECIPIENT_REQUIRED"),
        ({"recipient_id": "alice"}, "recipient_id", "NUMBER_TYPE_COERCE"),
    ],
)
async def test_create_dm_without_a_recipient_is_invalid_form_body(
    body: object, field: str, code: str
) -> None:
    """No recipient, or one that is no snowflake: 400 50035 with Discord's code; no channel."""
    async with Emulator() as emu, api(emu) as rest:
        small_community(emu)
        answer = await rest.call("POST", "/users/@me/channels", json_body=body)
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {field: [code]}
        assert emu.world.dm_channels == {}


async def test_get_channel_answers_the_dm_channel() -> None:
    """GET /channels/{id} answers the DM channel and its last message; no channel is 10003."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        opened = await rest.call(
            "POST", "/users/@me/channels", json_body={"recipient_id": town.bob.user_id}
        )
        sent = await rest.post_message(int(opened.body["id"]), {"content": "19h?"})
        fetched = await rest.call("GET", f"/channels/{opened.body['id']}")
        assert fetched.status == 200
        assert fetched.body == opened.body | {"last_message_id": sent.body["id"]}
        unknown = await rest.call("GET", "/channels/42")
        assert (unknown.status, unknown.code) == (404, 10003)


async def test_a_dm_message_reaches_the_member_with_its_mentions() -> None:
    """A DM has no guild, lists its mentions, reaches the member; over 2000 chars, 50035."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice, bob = town.alice.user_id, town.bob.user_id
        opened = await rest.call("POST", "/users/@me/channels", json_body={"recipient_id": alice})
        channel = int(opened.body["id"])
        sent = await rest.post_message(channel, {"content": f"19h with <@{bob}>?"})
        assert sent.status == 200, sent.body
        assert "guild_id" not in sent.body
        assert [u["id"] for u in sent.body["mentions"]] == [str(bob)]
        too_long = await rest.post_message(channel, {"content": "x" * 2001})
        assert (too_long.status, too_long.code) == (400, 50035)
        [received] = emu.driver.dms(town.alice)
        assert (received.content, received.author_id) == (f"19h with <@{bob}>?", emu.bot_id)
        assert emu.driver.dms(town.bob) == []


async def test_closed_dms_refuse_the_message_not_the_channel() -> None:
    """DMs closed: Create DM 200, the message 403 50007 and not delivered; reopened, 200."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        emu.driver.close_dms(town.alice)
        opened = await rest.call(
            "POST", "/users/@me/channels", json_body={"recipient_id": town.alice.user_id}
        )
        assert opened.status == 200
        refused = await rest.post_message(int(opened.body["id"]), {"content": "19h?"})
        assert (refused.status, refused.code) == (403, 50007)
        assert refused.body["message"] == "Cannot send messages to this user"
        assert emu.driver.dms(town.alice) == []
        emu.driver.open_dms(town.alice)
        accepted = await rest.post_message(int(opened.body["id"]), {"content": "19h?"})
        assert accepted.status == 200
        assert [m.content for m in emu.driver.dms(town.alice)] == ["19h?"]


async def test_one_shared_server_that_allows_dms_is_enough() -> None:
    """Closed in one of two shared servers the DM goes through; closed in both, 403 50007."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_guild("Other squad")
        elsewhere = emu.actions.add_member(other.id, town.alice.user_id)
        emu.driver.close_dms(town.alice)
        opened = await rest.call(
            "POST", "/users/@me/channels", json_body={"recipient_id": town.alice.user_id}
        )
        channel = int(opened.body["id"])
        assert (await rest.post_message(channel, {"content": "19h?"})).status == 200
        emu.driver.close_dms(elsewhere)
        refused = await rest.post_message(channel, {"content": "20h?"})
        assert (refused.status, refused.code) == (403, 50007)


async def test_a_user_who_shares_no_server_is_50278() -> None:
    """A member who left every server the bot is in: 403 50278; a member again, 200."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice = town.alice.user_id
        opened = await rest.call("POST", "/users/@me/channels", json_body={"recipient_id": alice})
        emu.driver.remove_member(town.alice)
        refused = await rest.post_message(int(opened.body["id"]), {"content": "19h?"})
        assert (refused.status, refused.code) == (403, 50278)
        emu.actions.add_member(town.guild.id, alice)
        assert (await rest.post_message(int(opened.body["id"]), {"content": "19h?"})).status == 200


async def test_the_bot_cannot_delete_what_the_member_wrote_in_a_dm() -> None:
    """The member's DM message is 403 50003 to delete; the bot's own, 204."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        written = await emu.driver.write_dm(town.alice, "see you at 19h")
        path = f"/channels/{written.channel_id}/messages"
        refused = await rest.call("DELETE", f"{path}/{written.id}")
        assert (refused.status, refused.code) == (403, 50003)
        own = await rest.post_message(written.channel_id, {"content": "noted"})
        assert (await rest.call("DELETE", f"{path}/{own.body['id']}")).status == 204
        assert [m.content for m in emu.driver.dms(town.alice)] == ["see you at 19h"]


async def test_dm_events_need_the_direct_messages_intent_and_keep_their_content() -> None:
    """A DM event goes to DIRECT_MESSAGES sessions, content kept; GUILD_MESSAGES alone, none."""
    async with Emulator() as emu:
        town = small_community(emu)
        with_dms = nextcord.Intents(guilds=True, dm_messages=True)
        guild_only = nextcord.Intents(guilds=True, guild_messages=True, message_content=True)
        received: asyncio.Queue[nextcord.Message] = asyncio.Queue()

        async def on_message(message: nextcord.Message) -> None:
            received.put_nowait(message)

        listening = make_client(with_dms)
        listening.add_listener(on_message)
        async with running(emu, listening), running(emu, make_client(guild_only)):
            await emu.driver.write_dm(town.alice, "see you at 19h")
            message = await asyncio.wait_for(received.get(), STEP)
            assert message.content == "see you at 19h"
            assert isinstance(message.channel, nextcord.DMChannel)
            # Dispatch reaches every session at once: the other one's backlog is final.
            [other] = [s for s in emu.gateway.sessions.values() if s.intents == guild_only.value]
            assert not [f for _, f in other.backlog if '"t": "MESSAGE_CREATE"' in f]


async def test_nextcord_user_send_arrives_and_a_closed_dm_raises_forbidden() -> None:
    """nextcord: ``user.send`` arrives; to closed DMs it raises ``Forbidden`` code 50007."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            user = await asyncio.wait_for(client.fetch_user(town.alice.user_id), STEP)
            sent = await asyncio.wait_for(user.send("You play at 19:00 today"), STEP)
            assert isinstance(sent.channel, nextcord.DMChannel)
            assert [m.content for m in emu.driver.dms(town.alice)] == ["You play at 19:00 today"]
            emu.driver.close_dms(town.alice)
            with pytest.raises(nextcord.Forbidden) as refused:
                await asyncio.wait_for(user.send("And at 20:00"), STEP)
            assert refused.value.code == 50007
            assert len(emu.driver.dms(town.alice)) == 1


async def test_a_button_in_a_dm_is_an_interaction_without_a_guild() -> None:
    """A member clicking a button on the bot's DM: INTERACTION_CREATE carries ``user``, no
    ``guild_id`` nor ``member``, context 1 (the bot's DM); nextcord sees a User, and the
    bot's private answer reaches the member in the DM."""
    async with Emulator() as emu:
        town = small_community(emu)
        clicks: asyncio.Queue[nextcord.Interaction[nextcord.Client]] = asyncio.Queue()

        async def on_interaction(interaction: nextcord.Interaction[nextcord.Client]) -> None:
            clicks.put_nowait(interaction)
            await interaction.response.send_message("Noted.", ephemeral=True)

        client = make_client(nextcord.Intents(guilds=True, dm_messages=True))
        client.add_listener(on_interaction)
        async with running(emu, client), api(emu) as rest:
            opened = await rest.call(
                "POST", "/users/@me/channels", json_body={"recipient_id": town.bob.user_id}
            )
            button = {"type": 2, "style": 1, "label": "I'm in", "custom_id": "x:in"}
            sent = await rest.post_message(
                int(opened.body["id"]),
                {"content": "Play?", "components": [{"type": 1, "components": [button]}]},
            )
            outcome = await emu.driver.click(town.bob, int(sent.body["id"]), "x:in")
            interaction = await asyncio.wait_for(clicks.get(), STEP)
            assert interaction.guild_id is None
            assert isinstance(interaction.user, nextcord.User)
            assert interaction.user.id == town.bob.user_id
            assert outcome.message is not None
            assert outcome.message.content == "Noted."
            assert outcome.ephemeral
            [session] = emu.gateway.sessions.values()
            [frame] = [f for _, f in session.backlog if '"t": "INTERACTION_CREATE"' in f]
            event = json.loads(frame)["d"]
            assert "guild_id" not in event
            assert "member" not in event
            assert event["user"]["id"] == str(town.bob.user_id)
            assert event["context"] == 1
            assert event["channel"]["type"] == 1

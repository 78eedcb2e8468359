"""Create Message's reply reference and nonce, as Discord handles them."""

import nextcord
import pytest

from emulator import Emulator
from tests.emulator.support import STEP, api, make_client, running, small_community


async def test_a_reply_names_its_message_and_pings_its_author() -> None:
    """Type 19 with ``message_reference`` and ``referenced_message``; Alice is pinged."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        asked = await emu.driver.say(town.alice, town.text, "who plays tonight?")
        body = {"content": "me at 19h", "message_reference": {"message_id": str(asked.id)}}
        answer = await rest.post_message(town.text.id, body)
        assert answer.status == 200, answer.body
        assert answer.body["type"] == 19
        assert answer.body["message_reference"]["message_id"] == str(asked.id)
        assert answer.body["message_reference"]["channel_id"] == str(town.text.id)
        assert answer.body["referenced_message"]["content"] == "who plays tonight?"
        assert [u["id"] for u in answer.body["mentions"]] == [str(town.alice.user_id)]
        seen = emu.driver.message(int(answer.body["id"]), town.alice)
        assert seen.reply_to == asked.id
        assert seen.pinged == {town.alice.user_id}


async def test_a_reply_with_replied_user_false_does_not_ping() -> None:
    """``allowed_mentions.replied_user`` defaults to false once ``allowed_mentions`` is sent."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        asked = await emu.driver.say(town.alice, town.text, "who plays tonight?")
        body = {
            "content": "me",
            "message_reference": {"message_id": str(asked.id)},
            "allowed_mentions": {"parse": []},
        }
        answer = await rest.post_message(town.text.id, body)
        assert answer.body["type"] == 19
        assert answer.body["mentions"] == []


async def test_a_reply_to_a_message_that_is_not_in_the_channel_is_refused() -> None:
    """An unknown id, or one of another channel: 400 50035 MESSAGE_REFERENCE_UNKNOWN_MESSAGE."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "other")
        elsewhere = await emu.driver.say(town.alice, other, "hi")
        for message_id in ("1", str(elsewhere.id)):
            body = {"content": "me", "message_reference": {"message_id": message_id}}
            answer = await rest.post_message(town.text.id, body)
            assert (answer.status, answer.code) == (400, 50035)
            assert answer.field_codes() == {
                "message_reference": ["MESSAGE_REFERENCE_UNKNOWN_MESSAGE"]
            }
        assert emu.driver.messages(town.text, town.alice) == []
        lenient = {
            "content": "me",
            "message_reference": {"message_id": "1", "fail_if_not_exists": False},
        }
        answer = await rest.post_message(town.text.id, lenient)
        assert answer.status == 200, answer.body
        assert answer.body["type"] == 0
        assert "message_reference" not in answer.body


async def test_a_deleted_reply_target_shows_as_null() -> None:
    """The reply stays a reply; its ``referenced_message`` becomes null."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        mine = await rest.post_message(town.text.id, {"content": "19h?"})
        body = {"content": "yes", "message_reference": {"message_id": mine.body["id"]}}
        reply = await rest.post_message(town.text.id, body)
        await rest.call("DELETE", f"/channels/{town.text.id}/messages/{mine.body['id']}")
        fetched = await rest.call("GET", f"/channels/{town.text.id}/messages/{reply.body['id']}")
        assert fetched.body["referenced_message"] is None
        assert fetched.body["message_reference"]["message_id"] == mine.body["id"]


async def test_the_nonce_is_echoed_and_enforce_nonce_answers_the_first_message() -> None:
    """``nonce`` comes back on create; with ``enforce_nonce`` a second send is the first one."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = {"content": "19h?", "nonce": "daily-1", "enforce_nonce": True}
        first = await rest.post_message(town.text.id, body)
        again = await rest.post_message(town.text.id, body)
        assert first.body["nonce"] == "daily-1"
        assert again.body["id"] == first.body["id"]
        assert len(emu.driver.messages(town.text, town.alice)) == 1
        plain = await rest.post_message(town.text.id, body | {"enforce_nonce": False})
        assert plain.body["id"] != first.body["id"]
        fetched = await rest.call("GET", f"/channels/{town.text.id}/messages/{first.body['id']}")
        assert "nonce" not in fetched.body


@pytest.mark.parametrize(
    ("nonce", "code"),
    [("x" * 26, "BASE_TYPE_MAX_LENGTH"), (1 << 63, "NUMBER_TYPE_MAX")],
)
async def test_a_nonce_too_long_or_too_big_is_invalid_form_body(nonce: object, code: str) -> None:
    """Up to 25 characters or a 64-bit integer (OpenAPI MessageCreateRequest): else 50035."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        answer = await rest.post_message(town.text.id, {"content": "hi", "nonce": nonce})
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {"nonce": [code]}
        accepted = await rest.post_message(town.text.id, {"content": "hi", "nonce": "x" * 25})
        assert accepted.status == 200


async def test_nextcord_replies_through_the_emulator() -> None:
    """``message.reply`` sends a reference; nextcord reads the reply back as one."""
    async with Emulator() as emu:
        town = small_community(emu)
        asked = await emu.driver.say(town.alice, town.text, "who plays?")
        client = make_client()
        async with running(emu, client):
            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            original = await channel.fetch_message(asked.id)
            reply = await original.reply("me", mention_author=False)
            assert reply.type is nextcord.MessageType.reply
            assert reply.reference is not None
            assert reply.reference.message_id == asked.id
            seen = await emu.driver.wait_for_message(
                town.text, town.alice, lambda m: m.id == reply.id, timeout=STEP
            )
            assert seen.reply_to == asked.id
            assert seen.pinged == frozenset()

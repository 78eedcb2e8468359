"""Create Message's reply reference and nonce, as Discord handles them."""

import json

import aiohttp
import nextcord
import pytest

from emulator import Emulator
from emulator.rules.permissions import Permission
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


def forward_of(message_id: object, channel_id: object, **fields: object) -> dict[str, object]:
    """A Create Message body that forwards ``message_id`` of ``channel_id`` (type 1, FORWARD)."""
    reference = {"type": 1, "message_id": str(message_id), "channel_id": str(channel_id)}
    return {"message_reference": reference | fields}


async def test_a_forward_carries_a_snapshot_that_does_not_follow_the_original() -> None:
    """A DEFAULT message flagged HAS_SNAPSHOT, its FORWARD reference and one snapshot, unchanged
    when the original is edited or deleted ("snapshots ... are immutable")."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "lfg")
        original = await rest.post_message(other.id, {"content": "GG at 21h <@1>"})
        answer = await rest.post_message(town.text.id, forward_of(original.body["id"], other.id))
        assert answer.status == 200, answer.body
        forward = answer.body
        assert (forward["type"], forward["content"], forward["mentions"]) == (0, "", [])
        assert forward["flags"] & (1 << 14)
        assert forward["message_reference"] == {
            "type": 1,
            "message_id": original.body["id"],
            "channel_id": str(other.id),
            "guild_id": str(town.guild.id),
        }
        [snapshot] = forward["message_snapshots"]
        assert snapshot["message"]["content"] == "GG at 21h <@1>"
        assert snapshot["message"]["timestamp"] == original.body["timestamp"]
        assert "author" not in snapshot["message"]
        one = f"/channels/{other.id}/messages/{original.body['id']}"
        edited = await rest.call("PATCH", one, json_body={"content": "cancelled"})
        assert edited.status == 200
        await rest.call("DELETE", one)
        fetched = await rest.call("GET", f"/channels/{town.text.id}/messages/{forward['id']}")
        assert fetched.body["message_snapshots"] == forward["message_snapshots"]
        seen = emu.driver.message(int(forward["id"]), town.alice)
        assert seen.forwarded is not None
        assert seen.forwarded.content == "GG at 21h <@1>"


async def test_a_members_message_is_forwarded_across_channels() -> None:
    """A member's message of another channel the bot can see, with ``guild_id`` named too."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "lfg")
        said = await emu.driver.say(town.alice, other, "who plays tonight?")
        body = forward_of(said.id, other.id, guild_id=str(town.guild.id))
        answer = await rest.post_message(town.text.id, body)
        assert answer.status == 200, answer.body
        assert answer.body["message_snapshots"][0]["message"]["content"] == "who plays tonight?"


@pytest.mark.parametrize(
    "beside",
    [
        {"content": "look at this"},
        {"embeds": [{"description": "look"}]},
        {
            "components": [
                {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "x", "label": "x"}]}
            ]
        },
    ],
)
async def test_a_forward_takes_nothing_beside_it(beside: dict[str, object]) -> None:
    """Content, embeds or components beside a forward: 50035, nothing posted."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        original = await rest.post_message(town.text.id, {"content": "GG"})
        body = forward_of(original.body["id"], town.text.id) | beside
        answer = await rest.post_message(town.text.id, body)
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {
            "message_reference": ["FORWARD_CONTAINS_UNSUPPORTED_CONTENT"]
        }
        assert len(emu.driver.messages(town.text, town.alice)) == 1


async def test_a_file_beside_a_forward_is_refused() -> None:
    """An upload (``files[0]``) is content too: refused like content, nothing posted."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        original = await rest.post_message(town.text.id, {"content": "GG"})
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps(forward_of(original.body["id"], town.text.id)))
        form.add_field("files[0]", b"png", filename="graph.png", content_type="image/png")
        answer = await rest.call("POST", f"/channels/{town.text.id}/messages", data=form)
        assert answer.field_codes() == {
            "message_reference": ["FORWARD_CONTAINS_UNSUPPORTED_CONTENT"]
        }
        assert len(emu.driver.messages(town.text, town.alice)) == 1


async def test_a_forward_names_its_channel_and_a_message_there() -> None:
    """No ``channel_id``: BASE_TYPE_REQUIRED; a message not in that channel: unknown, or with
    ``fail_if_not_exists`` false an empty message (50006)."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "lfg")
        original = await rest.post_message(town.text.id, {"content": "GG"})
        reference = {"type": 1, "message_id": original.body["id"]}
        answer = await rest.post_message(town.text.id, {"message_reference": reference})
        assert answer.field_codes() == {"message_reference.channel_id": ["BASE_TYPE_REQUIRED"]}
        answer = await rest.post_message(town.text.id, forward_of(original.body["id"], other.id))
        assert answer.field_codes() == {"message_reference": ["MESSAGE_REFERENCE_UNKNOWN_MESSAGE"]}
        lenient = forward_of("1", other.id, fail_if_not_exists=False)
        answer = await rest.post_message(town.text.id, lenient)
        assert (answer.status, answer.code) == (400, 50006)
        assert len(emu.driver.messages(town.text, town.alice)) == 1


async def test_a_channel_the_bot_cannot_see_is_not_forwarded_from() -> None:
    """ "the requestor must have VIEW_CHANNEL": 403 50001 Missing Access, and allowed again."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        secret = emu.driver.add_text_channel(town.guild, "staff")
        said = await emu.driver.say(town.admin, secret, "plans")
        bot = emu.driver.bot(town.guild)
        emu.driver.set_overwrite(secret, bot, deny=Permission.VIEW_CHANNEL)
        answer = await rest.post_message(town.text.id, forward_of(said.id, secret.id))
        assert (answer.status, answer.code) == (403, 50001)
        emu.driver.remove_overwrite(secret, bot)
        answer = await rest.post_message(town.text.id, forward_of(said.id, secret.id))
        assert answer.status == 200, answer.body


async def test_a_forward_is_not_forwarded_again_and_other_types_are_refused() -> None:
    """Snapshots nest one deep; a reference type other than DEFAULT (0) or FORWARD (1) is 50035."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        original = await rest.post_message(town.text.id, {"content": "GG"})
        first = await rest.post_message(town.text.id, forward_of(original.body["id"], town.text.id))
        again = await rest.post_message(town.text.id, forward_of(first.body["id"], town.text.id))
        assert again.field_codes() == {
            "message_reference": ["FORWARD_CONTAINS_UNSUPPORTED_CONTENT"]
        }
        odd = forward_of(original.body["id"], town.text.id, type=2) | {"content": "hi"}
        answer = await rest.post_message(town.text.id, odd)
        assert answer.field_codes() == {"message_reference.type": ["BASE_TYPE_CHOICES"]}


async def test_nextcord_forwards_through_the_emulator() -> None:
    """``message.forward(channel)`` sends the FORWARD reference; nextcord reads the snapshot."""
    async with Emulator() as emu:
        town = small_community(emu)
        other = emu.driver.add_text_channel(town.guild, "lfg")
        said = await emu.driver.say(town.alice, other, "GG at 21h")
        client = make_client()
        async with running(emu, client):
            source = client.get_channel(other.id)
            target = client.get_channel(town.text.id)
            assert isinstance(source, nextcord.TextChannel)
            assert isinstance(target, nextcord.TextChannel)
            original = await source.fetch_message(said.id)
            forward = await original.forward(target)
            assert forward.reference is not None
            assert forward.reference.type is nextcord.MessageReferenceType.forward
            [snapshot] = forward.snapshots
            assert snapshot.content == "GG at 21h"
            seen = await emu.driver.wait_for_message(
                town.text, town.alice, lambda m: m.id == forward.id, timeout=STEP
            )
            assert seen.forwarded is not None
            assert seen.forwarded.content == "GG at 21h"

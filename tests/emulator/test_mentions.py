"""Messages carry the mentions Discord computes, with ``allowed_mentions`` honoured."""

import nextcord
import pytest

from emulator import Emulator
from emulator.rules.permissions import Permission
from tests.emulator.support import STEP, api, make_client, running, small_community


async def test_a_user_mention_pings_and_is_listed() -> None:
    """``<@id>`` and ``<@!id>`` list the users as user objects; both are pinged."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice, bob = town.alice.user_id, town.bob.user_id
        answer = await rest.post_message(town.text.id, {"content": f"<@{alice}> <@!{bob}> 19h?"})
        assert answer.status == 200, answer.body
        assert [u["id"] for u in answer.body["mentions"]] == [str(alice), str(bob)]
        assert answer.body["mentions"][0]["username"] == "alice"
        seen = emu.driver.message(int(answer.body["id"]), town.alice)
        assert seen.pinged == {alice, bob}


async def test_a_suppressed_mention_shows_but_pings_no_one() -> None:
    """``parse: []`` leaves ``<@id>`` in the text and ``mentions`` empty (no ping)."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice = town.alice.user_id
        body = {"content": f"<@{alice}> 19h?", "allowed_mentions": {"parse": []}}
        answer = await rest.post_message(town.text.id, body)
        assert answer.status == 200, answer.body
        assert answer.body["mentions"] == []
        seen = emu.driver.message(int(answer.body["id"]), town.alice)
        assert seen.content == f"<@{alice}> 19h?"
        assert seen.pinged == frozenset()


async def test_allowed_users_pick_who_is_pinged_among_those_in_the_content() -> None:
    """``users: [alice]`` pings Alice, not Bob; an id absent from the content pings no one."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice, bob = town.alice.user_id, town.bob.user_id
        admin = town.admin.user_id
        body = {
            "content": f"<@{alice}> <@{bob}>",
            "allowed_mentions": {"users": [str(alice), str(admin)]},
        }
        answer = await rest.post_message(town.text.id, body)
        assert answer.status == 200, answer.body
        assert [u["id"] for u in answer.body["mentions"]] == [str(alice)]
        assert emu.driver.message(int(answer.body["id"]), town.bob).pinged == {alice}


async def test_everyone_needs_the_content_the_parse_and_the_permission() -> None:
    """@everyone pings only with Mention Everyone and ``everyone`` allowed; else it is text."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        refused = await rest.post_message(town.text.id, {"content": "@everyone 19h?"})
        assert refused.status == 200
        assert refused.body["mention_everyone"] is False  # the bot lacks Mention Everyone
        emu.driver.set_overwrite(
            town.text, emu.driver.bot(town.guild), allow=Permission.MENTION_EVERYONE
        )
        allowed = await rest.post_message(town.text.id, {"content": "@here 19h?"})
        assert allowed.body["mention_everyone"] is True
        seen = emu.driver.message(int(allowed.body["id"]), town.alice)
        assert seen.pinged == {
            town.admin.user_id,
            town.alice.user_id,
            town.bob.user_id,
            town.guild.owner_id,
        }
        body = {"content": "@everyone", "allowed_mentions": {"parse": ["users"]}}
        suppressed = await rest.post_message(town.text.id, body)
        assert suppressed.body["mention_everyone"] is False
        plain = await rest.post_message(town.text.id, {"content": "everyone, 19h?"})
        assert plain.body["mention_everyone"] is False


async def test_a_role_mention_pings_a_mentionable_role_or_with_mention_everyone() -> None:
    """``<@&id>`` of a role that is not mentionable pings only with Mention Everyone."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        content = {"content": f"<@&{town.admins.id}> look"}
        plain = await rest.post_message(town.text.id, content)
        assert plain.body["mention_roles"] == []
        town.admins.mentionable = True
        pinged = await rest.post_message(town.text.id, content)
        assert pinged.body["mention_roles"] == [str(town.admins.id)]
        seen = emu.driver.message(int(pinged.body["id"]), town.admin)
        assert seen.pinged == {town.admin.user_id}
        body = content | {"allowed_mentions": {"parse": ["users"]}}
        suppressed = await rest.post_message(town.text.id, body)
        assert suppressed.body["mention_roles"] == []


@pytest.mark.parametrize(
    ("allowed", "field", "code"),
    [
        (
            {"parse": ["users"], "users": ["1"]},
            "allowed_mentions",
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        ),
        (
            {"parse": ["roles"], "roles": ["1"]},
            "allowed_mentions",
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        ),
        ({"parse": ["members"]}, "allowed_mentions.parse.0", "BASE_TYPE_CHOICES"),
        (
            {"users": [str(n) for n in range(1, 102)]},
            "allowed_mentions.users",
            "BASE_TYPE_MAX_LENGTH",
        ),
        ({"roles": ["x"]}, "allowed_mentions.roles.0", "NUMBER_TYPE_COERCE"),
    ],
)
async def test_invalid_allowed_mentions_are_invalid_form_body(
    allowed: object, field: str, code: str
) -> None:
    """Discord's 400 50035 with the field and code of the broken rule; nothing is posted."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = {"content": "hi", "allowed_mentions": allowed}
        answer = await rest.post_message(town.text.id, body)
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {field: [code]}
        assert emu.driver.messages(town.text, town.alice) == []


@pytest.mark.parametrize(
    "allowed",
    [
        {"parse": ["users", "roles", "everyone"]},
        {"parse": ["everyone"], "users": ["1"], "roles": ["2"]},
        {"users": [str(n) for n in range(1, 101)]},
        {"parse": None, "users": None, "roles": None, "replied_user": None},
        {},
    ],
)
async def test_valid_allowed_mentions_are_accepted(allowed: object) -> None:
    """Every combination Discord accepts, explicit nulls included, posts the message."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        answer = await rest.post_message(
            town.text.id, {"content": "hi", "allowed_mentions": allowed}
        )
        assert answer.status == 200, answer.body


async def test_an_edit_recomputes_mentions_only_when_the_content_changes() -> None:
    """Editing the buttons keeps the pings; new content with ``parse: []`` drops them."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice = town.alice.user_id
        body = {"content": f"<@{alice}>", "allowed_mentions": {"parse": []}}
        posted = await rest.post_message(town.text.id, body)
        path = f"/channels/{town.text.id}/messages/{posted.body['id']}"
        kept = await rest.call("PATCH", path, json_body={"flags": 0})
        assert kept.body["mentions"] == []
        pinged = await rest.call("PATCH", path, json_body={"content": f"<@{alice}> now"})
        assert [u["id"] for u in pinged.body["mentions"]] == [str(alice)]


async def test_nextcord_sees_who_its_message_mentions() -> None:
    """Through nextcord: ``allowed_mentions`` reaches the emulator and ``message.mentions``."""
    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        async with running(emu, client):
            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            alice, bob = town.alice.user_id, town.bob.user_id
            only_alice = nextcord.AllowedMentions(users=[nextcord.Object(alice)])
            sent = await channel.send(f"<@{alice}> <@{bob}> 19h?", allowed_mentions=only_alice)
            assert [u.id for u in sent.mentions] == [alice]
            seen = await emu.driver.wait_for_message(
                town.text, town.bob, lambda m: m.id == sent.id, timeout=STEP
            )
            assert seen.pinged == {alice}

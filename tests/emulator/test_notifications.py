"""Who a message notifies: the mentions ``allowed_mentions`` and the author's permissions let
through, and DMs, decided once when it is sent (Message resource, "Allowed Mentions Object")."""

import nextcord

from emulator import Emulator
from emulator.rules.permissions import Permission
from emulator.rules.state import MessageFlag
from tests.emulator.support import STEP, api, make_client, running, small_community


async def test_allowed_users_notify_exactly_those_named_and_listed() -> None:
    """``users: [alice, bob]`` naming Alice, Bob, admin notifies Alice and Bob; no list, all."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice, bob, admin = town.alice.user_id, town.bob.user_id, town.admin.user_id
        content = f"<@{alice}> <@{bob}> <@{admin}> 19h?"
        body = {"content": content, "allowed_mentions": {"users": [str(alice), str(bob)]}}
        listed = await rest.post_message(town.text.id, body)
        assert listed.status == 200, listed.body
        unlisted = await rest.post_message(town.text.id, {"content": content})
        both = [int(listed.body["id"]), int(unlisted.body["id"])]
        assert [m.id for m in emu.driver.notifications(town.alice)] == both
        assert [m.id for m in emu.driver.notifications(town.bob)] == both
        assert [m.id for m in emu.driver.notifications(town.admin)] == both[1:]


async def test_everyone_here_and_roles_notify_nobody_unless_allowed() -> None:
    """@everyone, @here and a role notify nobody unless parsed; the default parse notifies."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        emu.driver.set_overwrite(
            town.text, emu.driver.bot(town.guild), allow=Permission.MENTION_EVERYONE
        )
        town.admins.mentionable = True
        for content in ("@everyone 19h?", "@here 19h?", f"<@&{town.admins.id}> 19h?"):
            body = {"content": content, "allowed_mentions": {"parse": ["users"]}}
            answer = await rest.post_message(town.text.id, body)
            assert answer.status == 200, answer.body
        assert [emu.driver.notifications(m) for m in (town.alice, town.admin)] == [[], []]
        pinged = await rest.post_message(town.text.id, {"content": "@everyone 19h?"})
        role = await rest.post_message(town.text.id, {"content": f"<@&{town.admins.id}>"})
        assert [m.id for m in emu.driver.notifications(town.alice)] == [int(pinged.body["id"])]
        assert [m.id for m in emu.driver.notifications(town.admin)] == [
            int(pinged.body["id"]),
            int(role.body["id"]),
        ]


async def test_an_edit_that_adds_a_mention_notifies_nobody() -> None:
    """An edit adding Alice's mention pings without notifying her; a new message notifies."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        alice = town.alice.user_id
        posted = await rest.post_message(town.text.id, {"content": "19h?"})
        path = f"/channels/{town.text.id}/messages/{posted.body['id']}"
        edited = await rest.call("PATCH", path, json_body={"content": f"<@{alice}> 19h?"})
        assert [u["id"] for u in edited.body["mentions"]] == [str(alice)]
        seen = emu.driver.message(int(posted.body["id"]), town.alice)
        assert seen.pinged == {alice}
        assert seen.notified == frozenset()
        assert emu.driver.notifications(town.alice) == []
        again = await rest.post_message(town.text.id, {"content": f"<@{alice}> 19h?"})
        assert [m.id for m in emu.driver.notifications(town.alice)] == [int(again.body["id"])]


async def test_a_dm_notifies_its_recipient_whatever_it_mentions() -> None:
    """A DM with no mention notifies the member it is sent to, and nobody else."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        opened = await rest.call(
            "POST", "/users/@me/channels", json_body={"recipient_id": town.alice.user_id}
        )
        body = {"content": "You play at 19:00", "allowed_mentions": {"parse": []}}
        sent = await rest.post_message(int(opened.body["id"]), body)
        [notified] = emu.driver.notifications(town.alice)
        assert (notified.id, notified.content) == (int(sent.body["id"]), "You play at 19:00")
        assert emu.driver.notifications(town.bob) == []


async def test_a_silent_message_still_notifies_with_a_badge() -> None:
    """@silent notifies Alice as ``silent``; a member who cannot see the channel, never."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        emu.driver.set_overwrite(town.text, town.bob, deny=Permission.VIEW_CHANNEL)
        alice, bob = town.alice.user_id, town.bob.user_id
        body = {
            "content": f"<@{alice}> <@{bob}> 19h?",
            "flags": int(MessageFlag.SUPPRESS_NOTIFICATIONS),
        }
        sent = await rest.post_message(town.text.id, body)
        assert sent.body["flags"] == int(MessageFlag.SUPPRESS_NOTIFICATIONS)
        [notified] = emu.driver.notifications(town.alice)
        assert notified.silent
        assert emu.driver.notifications(town.bob) == []


async def test_nextcord_allowed_mentions_decide_who_is_notified() -> None:
    """Through nextcord: ``AllowedMentions(users=[alice])`` notifies Alice, not Bob."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            alice, bob = town.alice.user_id, town.bob.user_id
            only_alice = nextcord.AllowedMentions(users=[nextcord.Object(alice)])
            sent = await channel.send(f"<@{alice}> <@{bob}> 19h?", allowed_mentions=only_alice)
            await emu.driver.wait_until(
                lambda: bool(emu.driver.notifications(town.alice)), timeout=STEP
            )
            assert [m.id for m in emu.driver.notifications(town.alice)] == [sent.id]
            assert emu.driver.notifications(town.bob) == []

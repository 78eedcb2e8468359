"""Messages and reactions sent by a nextcord client, and the limits Discord puts on them."""

import asyncio
import io

import nextcord
import pytest

from emulator import Emulator, Refused
from emulator.rules.permissions import Permission
from tests.emulator.support import STEP, make_client, running, small_community


async def text_channel(client: nextcord.Client, channel_id: int) -> nextcord.TextChannel:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, nextcord.TextChannel)
    return channel


async def test_send_edit_delete_with_attachment_and_components() -> None:
    """Members see the bot's message, its file and its buttons, then the edit, then nothing."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = await text_channel(client, town.text.id)
            view = nextcord.ui.View(timeout=None)
            view.add_item(nextcord.ui.Button(label="Join", custom_id="join"))
            file = nextcord.File(io.BytesIO(b"hello"), "note.txt")
            sent = await asyncio.wait_for(
                channel.send("Who plays today?", file=file, view=view), STEP
            )
            seen = emu.driver.message(sent.id, town.alice)
            assert seen.content == "Who plays today?"
            assert [(a.filename, a.data) for a in seen.attachments] == [("note.txt", b"hello")]
            assert [b.label for b in seen.buttons] == ["Join"]
            assert sent.attachments[0].size == 5

            fetched = await asyncio.wait_for(channel.fetch_message(sent.id), STEP)
            assert fetched.content == "Who plays today?"
            await asyncio.wait_for(sent.edit(content="Who plays tonight?"), STEP)
            seen = emu.driver.message(sent.id, town.alice)
            assert (seen.content, seen.edited) == ("Who plays tonight?", True)
            assert [a.filename for a in seen.attachments] == ["note.txt"]

            await asyncio.wait_for(sent.delete(), STEP)
            assert emu.driver.messages(town.text, town.alice) == []


async def test_reactions_by_bot_and_members_are_counted_with_users() -> None:
    """Reactions from members and the bot show counts and users; the bot can remove one."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = await text_channel(client, town.text.id)
            sent = await asyncio.wait_for(channel.send("18h?"), STEP)
            await asyncio.wait_for(sent.add_reaction("🎮"), STEP)
            await emu.driver.react(town.alice, sent.id, "🎮")
            await emu.driver.react(town.bob, sent.id, "🎮")
            reaction = emu.driver.message(sent.id, town.alice).reaction("🎮")
            assert reaction is not None
            assert reaction.count == 3
            assert reaction.users == (emu.bot_id, town.alice.user_id, town.bob.user_id)

            fetched = await asyncio.wait_for(channel.fetch_message(sent.id), STEP)
            users = [u.id async for u in fetched.reactions[0].users()]
            assert sorted(users) == sorted(reaction.users)

            bob = await asyncio.wait_for(fetched.guild.fetch_member(town.bob.user_id), STEP)  # type: ignore[union-attr]
            await asyncio.wait_for(sent.remove_reaction("🎮", bob), STEP)
            await asyncio.wait_for(sent.remove_reaction("🎮", client.user), STEP)  # type: ignore[arg-type]
            reaction = emu.driver.message(sent.id, town.alice).reaction("🎮")
            assert reaction is not None
            assert reaction.users == (town.alice.user_id,)


async def test_content_over_2000_characters_is_invalid_form_body() -> None:
    """A 2001-character message is refused with 50035 and never posted."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = await text_channel(client, town.text.id)
            with pytest.raises(nextcord.HTTPException) as refused:
                await asyncio.wait_for(channel.send("x" * 2001), STEP)
            await asyncio.wait_for(channel.send("x" * 2000), STEP)
        assert refused.value.code == 50035
        assert refused.value.status == 400
        assert "content" in refused.value.text
        assert [len(m.content) for m in emu.driver.messages(town.text, town.alice)] == [2000]


async def test_twenty_first_distinct_reaction_is_refused() -> None:
    """Twenty distinct reactions fit; the 21st (bot or member) gets 30010."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            channel = await text_channel(client, town.text.id)
            sent = await asyncio.wait_for(channel.send("hours"), STEP)
            emojis = [chr(0x1F550 + i) for i in range(21)]
            for emoji in emojis[:20]:
                await emu.driver.react(town.alice, sent.id, emoji)
            with pytest.raises(nextcord.HTTPException) as refused:
                await asyncio.wait_for(sent.add_reaction(emojis[20]), STEP)
            with pytest.raises(Refused, match="Maximum number of reactions"):
                await emu.driver.react(town.bob, sent.id, emojis[20])
            await asyncio.wait_for(sent.add_reaction(emojis[0]), STEP)
        assert refused.value.code == 30010
        assert len(emu.driver.message(sent.id, town.alice).reactions) == 20


async def test_select_with_26_options_is_invalid_form_body() -> None:
    """A select menu holds at most 25 options."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            too_many = {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": "hours",
                        "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                    }
                ],
            }
            with pytest.raises(nextcord.HTTPException) as refused:
                await asyncio.wait_for(
                    client.http.send_message(town.text.id, "pick", components=[too_many]),  # type: ignore[list-item]
                    STEP,
                )
        assert refused.value.code == 50035
        assert "options" in refused.value.text


async def test_bot_without_permission_gets_missing_permissions() -> None:
    """When the bot's roles lack Send Messages, posting fails with 50013."""

    async with Emulator() as emu:
        town = small_community(emu)
        guild = emu.world.guild(town.guild.id)
        # It still sees the channel: a channel it cannot see is 50001 Missing Access.
        guild.everyone.permissions = Permission.VIEW_CHANNEL
        for role in guild.roles.values():
            if role.managed:
                role.permissions = Permission.VIEW_CHANNEL
        async with running(emu, make_client()) as client:
            channel = await text_channel(client, town.text.id)
            with pytest.raises(nextcord.Forbidden) as refused:
                await asyncio.wait_for(channel.send("hello"), STEP)
        assert refused.value.code == 50013

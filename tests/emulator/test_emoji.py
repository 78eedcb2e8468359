"""Reactions take a Unicode emoji or a custom emoji of a guild; anything else is 10014."""

import nextcord
import pytest

from emulator import Emulator, Refused
from tests.emulator.support import STEP, Api, api, make_client, running, small_community
from tests.helpers import eventually


def reaction_path(channel_id: int, message_id: int, emoji: str) -> str:
    return f"/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"


async def posted(rest: Api, channel_id: int) -> int:
    answer = await rest.post_message(channel_id, {"content": "18h?"})
    assert answer.status == 200
    return int(answer.body["id"])


@pytest.mark.parametrize(
    "emoji", ["thumbsup", ":thumbsup:", "é", "a", "blob:123", "👍🎮", "blob:³", "blob:x", ""]
)
async def test_an_emoji_discord_does_not_know_is_unknown_emoji(emoji: str) -> None:
    """The bot's reaction is 400 10014 Unknown Emoji; members cannot pick it either."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        message_id = await posted(rest, town.text.id)
        answer = await rest.call("PUT", reaction_path(town.text.id, message_id, emoji))
        if emoji:
            assert (answer.status, answer.code) == (400, 10014)
        else:
            assert answer.status == 404  # no emoji segment at all: no such route
        with pytest.raises(Refused, match="Unknown Emoji"):
            await emu.driver.react(town.alice, message_id, emoji)
        assert emu.driver.message(message_id, town.alice).reactions == ()


@pytest.mark.parametrize("emoji", ["👍", "👍🏽", "🕹️", "🕹", "❤", "🇦", "1️⃣", "👨‍👩‍👧"])
async def test_unicode_emoji_are_accepted(emoji: str) -> None:
    """Any emoji of Unicode's list (qualified or not) and Discord's regional letters: 204."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        message_id = await posted(rest, town.text.id)
        answer = await rest.call("PUT", reaction_path(town.text.id, message_id, emoji))
        assert answer.status == 204, answer.body
        await emu.driver.react(town.alice, message_id, emoji)
        reaction = emu.driver.message(message_id, town.alice).reaction(emoji)
        assert reaction is not None
        assert reaction.users == (emu.bot_id, town.alice.user_id)


async def test_a_custom_emoji_of_the_guild_is_accepted_under_its_own_name() -> None:
    """``name:id`` of the guild's emoji works; Discord goes by the id, so ``_:id`` is the same."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        party = emu.driver.add_emoji(town.guild, "party")
        message_id = await posted(rest, town.text.id)
        answer = await rest.call(
            "PUT", reaction_path(town.text.id, message_id, f"party:{party.id}")
        )
        assert answer.status == 204, answer.body
        await emu.driver.react(town.alice, message_id, f"_:{party.id}")
        reaction = emu.driver.message(message_id, town.alice).reaction(f"party:{party.id}")
        assert reaction is not None
        assert reaction.users == (emu.bot_id, town.alice.user_id)
        listed = await rest.call(
            "GET", f"/channels/{town.text.id}/messages/{message_id}/reactions/party:{party.id}"
        )
        assert [u["id"] for u in listed.body] == [str(emu.bot_id), str(town.alice.user_id)]


async def test_a_members_custom_emoji_must_come_from_one_of_their_guilds() -> None:
    """Alice cannot react with an emoji of a server she is not in."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        elsewhere = emu.driver.add_guild("Elsewhere")
        theirs = emu.driver.add_emoji(elsewhere, "theirs")
        message_id = await posted(rest, town.text.id)
        with pytest.raises(Refused, match="Unknown Emoji"):
            await emu.driver.react(town.alice, message_id, f"theirs:{theirs.id}")


async def test_emoji_updates_reach_the_sessions_with_the_expressions_intent() -> None:
    """GUILD_CREATE brings a guild's emoji to every session; GUILD_EMOJIS_UPDATE, with all of
    them, only to sessions with GUILD_EXPRESSIONS (1 << 3); a removed emoji is 10014 again."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        party = emu.driver.add_emoji(town.guild, "party")
        everything = make_client()
        without = nextcord.Intents.all()
        without.emojis_and_stickers = False
        plain = make_client(without)
        async with running(emu, everything), running(emu, plain):

            def names(client: nextcord.Client) -> list[str]:
                guild = client.get_guild(town.guild.id)
                assert guild is not None
                return sorted(e.name for e in guild.emojis)

            assert names(everything) == names(plain) == ["party"]
            emu.driver.add_emoji(town.guild, "gg", animated=True)
            emu.driver.remove_emoji(party)
            # Each session gets its events in order: once both see this channel, the emoji
            # updates before it have reached whoever was to get them.
            after = emu.driver.add_text_channel(town.guild, "after")
            await eventually(
                lambda: all(c.get_channel(after.id) for c in (everything, plain)),
                STEP,
                "both clients to see the new channel",
            )
            assert names(everything) == ["gg"]
            assert names(plain) == ["party"]
        message_id = await posted(rest, town.text.id)
        gone = await rest.call("PUT", reaction_path(town.text.id, message_id, f"party:{party.id}"))
        assert (gone.status, gone.code) == (400, 10014)

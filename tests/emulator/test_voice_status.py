"""Set Voice Channel Status as Discord serves it: the body, the channel, the permissions and the
gateway event (``emulator.rules.voice_status_rules`` names the documents each rule comes from)."""

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import nextcord
import pytest

from emulator import Emulator
from emulator.rules.permissions import Permission
from tests.emulator.support import STEP, Api, Community, api, make_client, running, small_community
from tests.helpers import eventually

STATUS = Permission.SET_VOICE_CHANNEL_STATUS
BOTH = Permission.SET_VOICE_CHANNEL_STATUS | Permission.MANAGE_CHANNELS


@contextlib.asynccontextmanager
async def town(permissions: int) -> AsyncIterator[tuple[Emulator, Api, Community]]:
    """A small community; the bot also holds ``permissions`` in its voice channel."""
    async with Emulator() as emu, api(emu) as rest:
        community = small_community(emu)
        bot = emu.driver.bot(community.guild)
        emu.driver.set_overwrite(community.voice, bot, allow=permissions)
        yield emu, rest, community


async def put(rest: Api, channel_id: int, body: object) -> Any:
    return await rest.call("PUT", f"/channels/{channel_id}/voice-status", json_body=body)


async def test_a_status_is_set_cleared_and_announced_to_guilds_sessions() -> None:
    """204; members see it; null clears it; VOICE_CHANNEL_STATUS_UPDATE reaches a session with
    the GUILDS intent, its id, guild and status."""
    guilds = make_client(nextcord.Intents(guilds=True))
    async with town(BOTH) as (emu, rest, t), running(emu, guilds):
        done = await put(rest, t.voice.id, {"status": "21:00 · 4/5 · Ana Ben Cy Dee"})
        assert (done.status, done.body) == (204, None)
        assert emu.driver.voice_status(t.voice) == "21:00 · 4/5 · Ana Ben Cy Dee"
        cleared = await put(rest, t.voice.id, {"status": None})
        assert cleared.status == 204
        assert emu.driver.voice_status(t.voice) is None
        [session] = emu.gateway.sessions.values()

        def updates() -> list[Any]:
            frames = [json.loads(frame) for _, frame in session.backlog]
            return [f["d"] for f in frames if f["t"] == "VOICE_CHANNEL_STATUS_UPDATE"]

        await eventually(lambda: len(updates()) == 2, STEP, "two updates")
        guild = str(t.guild.id)
        assert updates() == [
            {
                "id": str(t.voice.id),
                "guild_id": guild,
                "status": "21:00 · 4/5 · Ana Ben Cy Dee",
            },
            {"id": str(t.voice.id), "guild_id": guild, "status": None},
        ]


async def test_500_characters_are_accepted_501_refused() -> None:
    """The status's length: 500 characters are kept, 501 are 50035 BASE_TYPE_MAX_LENGTH."""
    async with town(BOTH) as (emu, rest, t):
        assert (await put(rest, t.voice.id, {"status": "x" * 500})).status == 204
        refused = await put(rest, t.voice.id, {"status": "y" * 501})
        assert (refused.status, refused.code) == (400, 50035)
        assert refused.field_codes() == {"status": ["BASE_TYPE_MAX_LENGTH"]}
        assert emu.driver.voice_status(t.voice) == "x" * 500


@pytest.mark.parametrize(
    ("granted", "connected", "code"),
    [
        (0, False, 50013),  # no Set Voice Channel Status
        (STATUS, False, 50013),  # not in the channel: Manage Channels too
        (Permission.MANAGE_CHANNELS, True, 50013),  # in the channel, without the permission
    ],
)
async def test_the_permissions_discord_asks_for(granted: int, connected: bool, code: int) -> None:
    """Without Set Voice Channel Status, or away from the channel without Manage Channels: 50013."""
    async with town(granted) as (emu, rest, t):
        if connected:
            emu.actions.set_voice(t.guild.id, emu.bot_id, t.voice.id)
        refused = await put(rest, t.voice.id, {"status": "hi"})
        assert (refused.status, refused.code) == (403, code)
        assert emu.driver.voice_status(t.voice) is None


async def test_a_connected_bot_needs_only_the_status_permission() -> None:
    """In the channel, Set Voice Channel Status alone is enough."""
    async with town(STATUS) as (emu, rest, t):
        emu.actions.set_voice(t.guild.id, emu.bot_id, t.voice.id)
        assert (await put(rest, t.voice.id, {"status": "hi"})).status == 204


async def test_a_text_channel_a_hidden_one_and_an_unknown_one_are_refused() -> None:
    """A text channel is 50024; a channel the bot cannot see 50001; an unknown one 10003."""
    async with town(BOTH) as (emu, rest, t):
        text = await put(rest, t.text.id, {"status": "hi"})
        assert (text.status, text.code) == (400, 50024)
        bot = emu.driver.bot(t.guild)
        emu.driver.set_overwrite(t.voice, bot, allow=BOTH, deny=Permission.VIEW_CHANNEL)
        hidden = await put(rest, t.voice.id, {"status": "hi"})
        assert (hidden.status, hidden.code) == (403, 50001)
        unknown = await put(rest, 42, {"status": "hi"})
        assert (unknown.status, unknown.code) == (404, 10003)

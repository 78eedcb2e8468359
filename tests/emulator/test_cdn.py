"""The emulator's CDN: default avatars, user avatars and guild icons at Discord's paths, as
PNGs of the size asked (up to the source's), and a plain 404 for anything else."""

from __future__ import annotations

import struct

import aiohttp
import nextcord

from emulator import Emulator
from tests.emulator.support import make_client, running, small_community

PNG = b"\x89PNG\r\n\x1a\n"


def _width(body: bytes) -> int:
    assert body.startswith(PNG)
    width: int = struct.unpack(">I", body[16:20])[0]
    return width


async def test_pictures_at_discords_paths() -> None:
    """nextcord's guild icon and default avatar URLs, moved to the emulator, give PNGs; a
    wrong hash, an unknown index and a size that is no power of two do not."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with running(emu, make_client()) as client:
            guild = client.get_guild(town.guild.id)
            assert guild is not None
            assert guild.icon is not None
            icon = guild.icon.url.replace("https://cdn.discordapp.com", emu.url)
            member = guild.get_member(town.alice.user_id)
            assert isinstance(member, nextcord.Member)
            avatar = member.display_avatar.url.replace("https://cdn.discordapp.com", emu.url)
        async with aiohttp.ClientSession() as http:
            for url, size in ((icon.split("?")[0] + "?size=64", 64), (avatar, 128)):
                async with http.get(url) as answer:
                    assert answer.status == 200, url
                    assert answer.content_type == "image/png"
                    assert _width(await answer.read()) == size
            async with http.get(avatar + "?size=4096") as answer:
                assert _width(await answer.read()) == 256  # never enlarged past its source
            wrong = f"{emu.url}/icons/{town.guild.id}/{'0' * 32}.png"
            for url in (wrong, f"{emu.url}/embed/avatars/6.png", avatar + "?size=100"):
                async with http.get(url) as answer:
                    assert answer.status in (400, 404), url

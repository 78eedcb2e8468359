"""Members' avatars and servers' icons, served from the dashboard's own address.

The bot's facts name pictures on Discord's CDN (nextcord's ``display_avatar.url``, the
guild's ``icon.url``). The browser never fetches them there: the Content-Security-Policy
allows images from this origin only, and a member's browser on a home network then tells
Discord nothing about who looks at the dashboard. The web program fetches each picture
once, at a small size, and keeps it in a bounded cache.

Only the CDN paths that Discord's docs list for these pictures are fetched (Reference >
Image Formatting > CDN Endpoints): ``embed/avatars/{index}.png``,
``avatars/{user_id}/{hash}.png``, ``guilds/{guild_id}/users/{user_id}/avatars/{hash}.png``
and ``icons/{guild_id}/{hash}.png``, with ``?size=`` a power of two. Any other path is
refused, so the route cannot be used to reach anything else.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict

import aiohttp

log = logging.getLogger(__name__)

DISCORD_CDN = "https://cdn.discordapp.com"
ROUTE = "/cdn/"
SIZE = 64
"""Pixels asked of the CDN: avatars are shown at 24-40 CSS pixels, twice that on a phone."""
MOST_BYTES = 256 * 1024
"""The largest picture accepted from the CDN (a 64-pixel PNG is a few kilobytes)."""
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=5.0)
CACHE_CONTROL = "private, max-age=86400"
_HASH = r"(?:a_)?[0-9a-f]{32}"
_ID = r"[0-9]{1,20}"
PATHS = re.compile(
    rf"embed/avatars/[0-5]\.png"
    rf"|avatars/{_ID}/{_HASH}\.png"
    rf"|guilds/{_ID}/users/{_ID}/avatars/{_HASH}\.png"
    rf"|icons/{_ID}/{_HASH}\.png"
)
PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="8" fill="#80848e"/></svg>'
)
"""What stands for a picture the CDN did not give: a plain grey disc."""


def local(url: str) -> str:
    """The dashboard's address for a picture on Discord's CDN ("" for anything else).
    Animated and WebP pictures are asked for as PNG, which every one of them has."""
    if not url.startswith(DISCORD_CDN + "/"):
        return ""
    path = url.removeprefix(DISCORD_CDN + "/").split("?", 1)[0]
    path = re.sub(r"\.(?:webp|gif|jpg|jpeg)$", ".png", path)
    return ROUTE + path if PATHS.fullmatch(path) else ""


class Pictures:
    """The pictures fetched, least recently used dropped first past ``most`` of them."""

    def __init__(self, cdn: str, most: int = 512) -> None:
        self.cdn = cdn.rstrip("/")
        self.most = most
        self._held: OrderedDict[str, bytes] = OrderedDict()

    async def get(self, http: aiohttp.ClientSession, path: str) -> bytes | None:
        """The picture at ``path`` (one of ``PATHS``), or None if the CDN did not give it."""
        found = self._held.get(path)
        if found is not None:
            self._held.move_to_end(path)
            return found
        try:
            url = f"{self.cdn}/{path}"
            async with http.get(url, params={"size": SIZE}, timeout=FETCH_TIMEOUT) as answer:
                if answer.status != 200 or answer.content_type != "image/png":
                    return None
                body = await answer.content.read(MOST_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("picture %s not fetched: %s", path, error)
            return None
        if len(body) > MOST_BYTES:
            return None
        self._held[path] = body
        while len(self._held) > self.most:
            self._held.popitem(last=False)
        return body

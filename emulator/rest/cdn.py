"""Discord's image CDN for what the emulator's objects show: default avatars, user avatars
and guild icons, under the paths Discord's docs give (Reference > Image Formatting > CDN
Endpoints): ``embed/avatars/{index}.png``, ``avatars/{user_id}/{user_avatar}.png`` and
``icons/{guild_id}/{guild_icon}.png``, with ``?size=`` any power of two from 16 to 4096.

Only PNG is drawn (Discord also serves JPEG, WebP and GIF from the same paths; nothing here
asks for them). The pictures stand for an uploaded image of ``SOURCE`` pixels: a larger size
is answered at that size, as Discord never enlarges an image past its source. Anything
else is a plain 404, as a CDN answers.
"""

from __future__ import annotations

from aiohttp import web

from emulator.rest import images
from emulator.rest.context import services

SOURCE = 256
SIZES = frozenset(2**n for n in range(4, 13))  # 16 .. 4096
DEFAULT_SIZE = 128
CACHE = "public, max-age=86400"


def _size(request: web.Request) -> int:
    raw = request.query.get("size", "")
    if not raw:
        return DEFAULT_SIZE
    if not raw.isascii() or not raw.isdigit() or int(raw) not in SIZES:
        raise web.HTTPBadRequest(text="size must be a power of 2 from 16 to 4096")
    return min(int(raw), SOURCE)


def _png(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="image/png", headers={"Cache-Control": CACHE})


def _snowflake(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 20:
        raise web.HTTPNotFound()
    return int(raw)


async def default_avatar(request: web.Request) -> web.Response:
    raw = request.match_info["index"]
    if raw not in {str(n) for n in range(len(images.DEFAULT_AVATAR_COLOURS))}:
        raise web.HTTPNotFound()
    return _png(images.default_avatar(int(raw), _size(request)))


async def user_avatar(request: web.Request) -> web.Response:
    """A user's own avatar: drawn like a default one, for a user whose hash it is."""
    world = services(request).core.world
    user = world.users.get(_snowflake(request.match_info["user_id"]))
    if user is None or user.avatar is None or user.avatar != request.match_info["hash"]:
        raise web.HTTPNotFound()
    return _png(images.default_avatar(user.id >> 22, _size(request)))


async def guild_icon(request: web.Request) -> web.Response:
    world = services(request).core.world
    guild = world.guilds.get(_snowflake(request.match_info["guild_id"]))
    if guild is None or guild.icon is None or guild.icon != request.match_info["hash"]:
        raise web.HTTPNotFound()
    return _png(images.guild_icon(guild.id, _size(request)))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/embed/avatars/{index}.png", default_avatar)
    app.router.add_get("/avatars/{user_id}/{hash}.png", user_avatar)
    app.router.add_get("/icons/{guild_id}/{hash}.png", guild_icon)

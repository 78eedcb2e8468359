"""What REST handlers reach through the application, and how they read bodies and answer."""

import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

import msgspec
from aiohttp import BodyPartReader, web

from emulator import errors
from emulator.actions import Actions, Upload
from emulator.core import Core
from emulator.interactions import Interactions
from emulator.jsontypes import JSONValue
from emulator.permissions import allows
from emulator.recorder import UploadRecord

API_PREFIX = "/api/v10"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
type RouteTable = list[tuple[str, str, Handler]]


@dataclass(eq=False, slots=True)
class Services:
    core: Core
    actions: Actions
    interactions: Interactions


SERVICES = web.AppKey("services", Services)


@dataclass(slots=True)
class Body:
    """A request body: its JSON (or ``payload_json``) and any uploaded ``files[n]``."""

    raw: bytes = b""
    uploads: dict[int, Upload] = field(default_factory=dict)
    content_type: str = ""

    def value(self) -> JSONValue:
        if not self.raw:
            return None
        try:
            parsed: JSONValue = json.loads(self.raw)
        except ValueError:
            return None
        return parsed

    def records(self) -> tuple[UploadRecord, ...]:
        return tuple(
            UploadRecord(field=f"files[{i}]", filename=u.filename, size=len(u.data))
            for i, u in sorted(self.uploads.items())
        )


_BODY: ContextVar["Body | None"] = ContextVar("request_body", default=None)
"""The body of the request being handled (set by the middleware, read by handlers)."""


def require_bot_permission(svc: Services, guild_id: int, permission: int) -> None:
    """Discord's 50013 when the bot's roles lack ``permission`` in the guild."""
    if not allows(svc.core.world.permissions(guild_id, svc.core.bot_id), permission):
        raise errors.missing_permissions()


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def body(request: web.Request) -> Body:
    """The body read for ``request`` by :func:`read_body`."""
    return _BODY.get() or Body()


async def read_body(request: web.Request) -> Body:
    """Read JSON or multipart (``payload_json`` + ``files[n]``) once, for handler and log."""
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        parsed = Body(content_type=content_type)
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read()
            if name == "payload_json":
                parsed.raw = bytes(data)
            elif name == "file" or (name.startswith("files[") and name.endswith("]")):
                index = 0 if name == "file" else int(name[6:-1])
                parsed.uploads[index] = Upload(
                    filename=part.filename or f"file{index}",
                    data=bytes(data),
                    content_type=part.headers.get("Content-Type", "application/octet-stream"),
                )
    else:
        parsed = Body(raw=await request.read(), content_type=content_type)
    _BODY.set(parsed)
    return parsed


def decode[T](request: web.Request, kind: type[T]) -> T:
    """The body decoded as ``kind``; malformed input is Discord's 50035 / 50109."""
    raw = body(request).raw
    if not raw:
        raise errors.DiscordError(400, 50109, "The request body contains invalid JSON.")
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        raise errors.invalid_form(_error_path(str(error)), "BASE_TYPE_BAD", str(error)) from None
    except msgspec.DecodeError:
        raise errors.DiscordError(400, 50109, "The request body contains invalid JSON.") from None


def _error_path(message: str) -> tuple[str | int, ...]:
    """``... - at `$.components[0].type``` → ("components", 0, "type")."""
    _, _, where = message.partition(" - at `$")
    path: list[str | int] = []
    for piece in where.rstrip("`").replace("[", ".").replace("]", "").split("."):
        if piece:
            path.append(int(piece) if piece.isdigit() else piece)
    return tuple(path) or ("_root",)


def snowflake(request: web.Request, name: str) -> int:
    """A snowflake path parameter; anything else is a 404 like Discord's."""
    value = request.match_info[name]
    if not value.isdigit():
        raise errors.not_found_route()
    return int(value)


def json_response(value: JSONValue, status: int = 200) -> web.Response:
    """A JSON answer with exactly ``content-type: application/json``, as clients expect."""
    return web.Response(
        body=json.dumps(value).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


def no_content() -> web.Response:
    return web.Response(status=204)

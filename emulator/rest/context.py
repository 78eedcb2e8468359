"""What REST handlers reach through the application, and how they read bodies and answer."""

import json
import re
import warnings
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import msgspec
from aiohttp import hdrs, web
from aiohttp.helpers import parse_mimetype
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.http_parser import HeadersParser
from aiohttp.multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    content_disposition_filename,
    parse_content_disposition,
)

from emulator.engine.actions import Actions, Upload
from emulator.engine.core import Core
from emulator.engine.interactions import Interactions
from emulator.engine.recorder import UploadRecord
from emulator.rules import errors
from emulator.rules.jsontypes import JSONValue
from emulator.rules.permissions import Permission, allows

API_PREFIX = "/api/v10"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
type RouteTable = list[tuple[str, str, Handler]]


@dataclass(eq=False, slots=True)
class Services:
    core: Core
    actions: Actions
    interactions: Interactions


SERVICES = web.AppKey("services", Services)


FORM = "application/x-www-form-urlencoded"
BODY_TYPES = ("application/json", FORM, "multipart/form-data")
"""'Clients using the HTTP API must provide a valid Content-Type header, either
application/json, application/x-www-form-urlencoded, or multipart/form-data ... Failing to do so
will result in a 50035 "Invalid form body" error' (Discord's docs, Reference > HTTP API >
Content Type). The OpenAPI description lists all three for message, webhook and interaction
callback bodies."""


@dataclass(slots=True)
class Body:
    """A request body: its JSON (or ``payload_json``), its form fields, any ``files[n]``.

    Form fields come from an ``application/x-www-form-urlencoded`` body, or from the parts of a
    ``multipart/form-data`` one other than ``payload_json`` and files ("This example
    demonstrates usage of the endpoint without payload_json": ``content`` and ``tts`` as parts,
    Reference > Uploading Files). They are the body when there is no JSON.
    """

    raw: bytes = b""
    uploads: dict[int, Upload] = field(default_factory=dict)
    content_type: str = ""
    form: dict[str, str] = field(default_factory=dict)
    problem: errors.DiscordError | None = None
    """Why the body could not be taken (malformed multipart, a file over the limit): answered
    once the request is known to be authorised, as Discord checks the token first."""

    def value(self) -> JSONValue:
        if not self.raw:
            return dict(self.form) if self.form else None
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


def require_channel_permission(svc: Services, channel_id: int, permission: int) -> None:
    """The bot's permissions in a channel, its overwrites applied (see ``channel_permissions``).

    A channel the bot cannot see is 403 50001 Missing Access, whatever was asked; one it sees
    but where it lacks ``permission`` is 403 50013 Missing Permissions.
    """
    held = svc.core.world.channel_permissions(channel_id, svc.core.bot_id)
    if not held & Permission.VIEW_CHANNEL:
        raise errors.missing_access()
    if not allows(held, permission):
        raise errors.missing_permissions()


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def body(request: web.Request) -> Body:
    """The body read for ``request`` by :func:`read_body`."""
    return _BODY.get() or Body()


FILE_FIELD = re.compile(r"files\[(\d{1,20})\]")
"""``files[n]``: "Each file parameter must be uniquely named in the format files[n]" (Discord's
docs, Reference > Uploading Files)."""


async def read_body(request: web.Request, max_upload_bytes: int) -> Body:
    """Read JSON or multipart (``payload_json`` + ``files[n]``) once, for handler and log.

    Never raises: what Discord would refuse is kept as :attr:`Body.problem`.
    """
    parsed = Body(content_type=request.content_type)
    _BODY.set(parsed)
    try:
        if parsed.content_type.startswith("multipart/"):
            await _read_parts(request, parsed, max_upload_bytes)
        elif parsed.content_type == FORM:
            text = (await request.read()).decode()
            parsed.form = dict(parse_qsl(text, keep_blank_values=True))
        else:
            parsed.raw = await request.read()
    except UnicodeDecodeError:
        parsed.problem = errors.invalid_content_type()
    except web.HTTPRequestEntityTooLarge:
        parsed.problem = errors.entity_too_large()
    except (
        ValueError,
        HttpProcessingError,
        BadContentDispositionHeader,
        BadContentDispositionParam,
    ):
        parsed.problem = errors.invalid_multipart()
    return parsed


async def _read_parts(request: web.Request, parsed: Body, max_upload_bytes: int) -> None:
    # All of the body first (aiohttp bounds it by the app's client_max_size, answered 413): the
    # parts are then a function of its bytes alone, never of how they were split on the way in.
    raw = await request.read()
    for part in form_data_parts(request.headers.get(hdrs.CONTENT_TYPE, ""), raw):
        if parse_mimetype(part.headers.get(hdrs.CONTENT_TYPE, "")).type == "multipart":
            parsed.problem = errors.invalid_multipart()  # a multipart inside the multipart
            return
        with warnings.catch_warnings():
            # aiohttp warns (and carries on) on a malformed Content-Disposition or parameter:
            # refuse both, the same with or without pytest's warnings-as-errors.
            warnings.simplefilter("error", BadContentDispositionHeader)
            warnings.simplefilter("error", BadContentDispositionParam)
            _, params = parse_content_disposition(part.headers.get(hdrs.CONTENT_DISPOSITION))
        name = content_disposition_filename(params, "name") or ""
        filename = content_disposition_filename(params, "filename")
        data = part.data
        if name == "_charset_":
            continue  # names the charset of the other fields (RFC 7578 section 4.6): no field
        if name == "payload_json":
            parsed.raw = data
            continue
        found = FILE_FIELD.fullmatch(name)
        if name != "file" and found is None:
            if name.startswith("file"):
                parsed.problem = errors.invalid_multipart()  # files[x], files[]...
                return
            try:
                parsed.form[name] = data.decode()  # a field of the body, without payload_json
            except UnicodeDecodeError:
                parsed.problem = errors.invalid_content_type()
                return
            continue
        if len(data) > max_upload_bytes:
            parsed.problem = errors.entity_too_large()
        index = int(found[1]) if found is not None else 0
        parsed.uploads[index] = Upload(
            filename=filename or f"file{index}",
            data=data,
            content_type=part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream"),
        )


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a ``multipart/form-data`` body: its headers and its bytes, as sent."""

    headers: Mapping[str, str]
    """Case-insensitive, as aiohttp parses them."""
    data: bytes


MAX_BOUNDARY = 70
"""'Boundary delimiters must not appear within the encapsulated material, and must be no
longer than 70 characters, not counting the two leading hyphens' (RFC 2046 section 5.1.1)."""


def form_data_parts(content_type: str, raw: bytes) -> list[Part]:
    """The parts of the whole multipart body ``raw`` (RFC 2046 section 5.1.1, RFC 7578).

    aiohttp's streaming reader is not used: on a malformed body its outcome depends on how the
    bytes arrived (one split of the reads reaches its deprecated ``unread_data``, and the
    warning becomes a 500 under ``filterwarnings = error``). Raises ValueError, or aiohttp's
    ``HttpProcessingError`` for a part's header, on a body that cannot be read.
    """
    boundary = parse_mimetype(content_type).parameters.get("boundary", "")
    if not boundary or len(boundary) > MAX_BOUNDARY:
        raise ValueError(f"no usable boundary in {content_type!r}")
    delimiter = b"--" + boundary.encode()
    if raw.startswith(delimiter):
        at = len(delimiter)
    else:  # after a preamble, which is ignored
        first = raw.find(b"\r\n" + delimiter)
        if first < 0:
            raise ValueError("no delimiter line")
        at = first + 2 + len(delimiter)
    parts: list[Part] = []
    while not raw.startswith(b"--", at):  # the close delimiter; an epilogue is ignored
        line_end = raw.find(b"\r\n", at)
        if line_end < 0 or raw[at:line_end].strip(b" \t"):
            raise ValueError("a delimiter line with more than the boundary on it")
        start = line_end + 2
        end = raw.find(b"\r\n" + delimiter, start)
        if end < 0:
            raise ValueError("a part that no delimiter closes")
        parts.append(_part(raw[start:end]))
        at = end + 2 + len(delimiter)
    return parts


def _part(block: bytes) -> Part:
    """A part's header lines, a blank line, then its data (no headers: the blank line alone)."""
    if block.startswith(b"\r\n"):
        head, data = b"", block[2:]
    else:
        head, blank, data = block.partition(b"\r\n\r\n")
        if not blank:
            raise ValueError("a part whose headers never end")
    lines = head.split(b"\r\n") if head else []
    headers, _ = HeadersParser().parse_headers([*lines, b""])
    return Part(headers, data)


def decode[T](request: web.Request, kind: type[T]) -> T:
    """The body decoded as ``kind``; malformed input is Discord's 50035 / 50109.

    Form fields are text: ``tts=true`` or ``flags=4`` are read as the boolean or the number they
    spell (Discord's own answer to a value that does not convert is 50035, e.g.
    ``NUMBER_TYPE_COERCE``), and a field that wants an object or a list cannot be given in a form.
    JSON that does not parse is 50109, only where the body claims to be JSON.
    """
    got = body(request)
    if not got.content_type.startswith(BODY_TYPES):
        raise errors.invalid_content_type()
    raw = got.raw
    if got.content_type == FORM or (not raw and got.form):
        try:
            return msgspec.convert(got.form, type=kind, strict=False)
        except msgspec.ValidationError as error:
            raise validation_error(error) from None
    if not raw:
        raise errors.invalid_json()
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        raise validation_error(error) from None
    except msgspec.DecodeError:
        raise errors.invalid_json() from None


def validation_error(error: msgspec.ValidationError) -> errors.DiscordError:
    """msgspec's ``Expected `object`, got `int` - at `$.embeds[0]``` as Discord says it."""
    what, _, where = str(error).partition(" - at `$")
    path = _error_path(where)
    missing = re.fullmatch(r"Object missing required field `(.+)`", what)
    if missing is not None:
        field = (*path, missing[1])
        return errors.invalid_form(field, "BASE_TYPE_REQUIRED", "This field is required")
    if what.startswith("Expected `object"):
        return errors.invalid_form(
            path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"
        )
    return errors.invalid_form(path, "BASE_TYPE_BAD", what)


def _error_path(where: str) -> errors.FieldPath:
    """``.components[0].type``` → ("components", 0, "type")."""
    path: list[str | int] = []
    for piece in where.rstrip("`").replace("[", ".").replace("]", "").split("."):
        if piece and piece != "...":  # "$[...]": a value of a mapping, named by no key
            path.append(int(piece) if piece.isascii() and piece.isdigit() else piece)
    return tuple(path)


SNOWFLAKE_MAX = 2**64 - 1


def snowflake(request: web.Request, name: str) -> int:
    """A snowflake path parameter; anything else (``abc``, ``³``) is Discord's 50035
    ``NUMBER_TYPE_COERCE`` ("Value "abc" is not snowflake.")."""
    return parse_snowflake(name, request.match_info[name])


def parse_snowflake(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 20) or int(value) > SNOWFLAKE_MAX:
        raise errors.not_a_snowflake(name, value)
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

"""Application commands, global and per guild: list, create (upsert), overwrite, edit, delete."""

import re

import msgspec
from aiohttp import web

from emulator import errors, payloads
from emulator.bodies import CommandBody
from emulator.jsontypes import JSONObject, as_array, as_object
from emulator.rest.context import (
    RouteTable,
    Services,
    body,
    decode,
    json_response,
    no_content,
    services,
    snowflake,
)
from emulator.state import Command

NAME = re.compile(r"^[-_\w]{1,32}$")
MAX_OPTIONS = 25


def _scope(svc: Services, request: web.Request) -> int | None:
    if snowflake(request, "application_id") != svc.core.application_id:
        raise errors.DiscordError(403, 50001, "Missing Access")
    if "guild_id" not in request.match_info:
        return None
    return svc.core.world.guild(snowflake(request, "guild_id")).id


def _check(spec: CommandBody, path: tuple[str | int, ...]) -> None:
    if not NAME.match(spec.name) or spec.name != spec.name.lower():
        raise errors.invalid_form(
            (*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if spec.type == 1 and not 1 <= len(spec.description) <= 100:
        raise errors.invalid_form(
            (*path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    if len(spec.options or []) > MAX_OPTIONS:
        raise errors.invalid_form(
            (*path, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
        )


def _permissions(value: str | int | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.invalid_form(
            ("default_member_permissions",), "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.'
        ) from None


def _store(
    svc: Services, spec: CommandBody, raw: JSONObject, guild_id: int | None
) -> tuple[Command, bool]:
    """Create or replace the command named ``spec.name`` in its scope; True when created."""
    world = svc.core.world
    existing = next(
        (c for c in world.guild_commands(guild_id) if c.name == spec.name and c.type == spec.type),
        None,
    )
    kept = {k: v for k, v in raw.items() if k not in ("id", "application_id", "version")}
    command = Command(
        id=existing.id if existing else svc.core.ids.next(),
        application_id=svc.core.application_id,
        name=spec.name,
        type=spec.type,
        description=spec.description,
        raw=kept,
        guild_id=guild_id,
        options=list(spec.options or []),
        default_member_permissions=_permissions(spec.default_member_permissions),
        version=(existing.version + 1) if existing else 1,
    )
    world.commands[command.id] = command
    svc.core.changes.touch()
    return command, existing is None


async def list_commands(request: web.Request) -> web.Response:
    svc = services(request)
    scope = _scope(svc, request)
    return json_response([payloads.command(c) for c in svc.core.world.guild_commands(scope)])


async def create_command(request: web.Request) -> web.Response:
    svc = services(request)
    scope = _scope(svc, request)
    spec = decode(request, CommandBody)
    _check(spec, ())
    command, created = _store(svc, spec, as_object(body(request).value()), scope)
    return json_response(payloads.command(command), status=201 if created else 200)


async def overwrite_commands(request: web.Request) -> web.Response:
    svc = services(request)
    scope = _scope(svc, request)
    specs = decode(request, list[CommandBody])
    raws = as_array(body(request).value())
    for index, spec in enumerate(specs):
        _check(spec, (index,))
    world = svc.core.world
    wanted = {(s.name, s.type) for s in specs}
    for old in world.guild_commands(scope):
        if (old.name, old.type) not in wanted:
            del world.commands[old.id]
    stored = [_store(svc, s, as_object(r), scope)[0] for s, r in zip(specs, raws, strict=True)]
    return json_response([payloads.command(c) for c in stored])


def _command(svc: Services, request: web.Request) -> Command:
    scope = _scope(svc, request)
    command = svc.core.world.commands.get(snowflake(request, "command_id"))
    if command is None or command.guild_id != scope:
        raise errors.unknown_command()
    return command


async def get_command(request: web.Request) -> web.Response:
    svc = services(request)
    return json_response(payloads.command(_command(svc, request)))


async def edit_command(request: web.Request) -> web.Response:
    svc = services(request)
    command = _command(svc, request)
    merged = command.raw | as_object(body(request).value())
    fields = {k: v for k, v in merged.items() if k in CommandBody.__struct_fields__}
    try:
        spec = msgspec.convert(fields, CommandBody)
    except msgspec.ValidationError as error:
        raise errors.invalid_form(("_root",), "BASE_TYPE_BAD", str(error)) from None
    _check(spec, ())
    command.raw = merged
    command.name = spec.name
    command.description = spec.description
    command.options = list(spec.options or [])
    command.default_member_permissions = _permissions(spec.default_member_permissions)
    command.version += 1
    svc.core.changes.touch()
    return json_response(payloads.command(command))


async def delete_command(request: web.Request) -> web.Response:
    svc = services(request)
    command = _command(svc, request)
    del svc.core.world.commands[command.id]
    svc.core.changes.touch()
    return no_content()


def routes() -> RouteTable:
    table: RouteTable = []
    for base in (
        "/applications/{application_id}/commands",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ):
        table += [
            ("GET", base, list_commands),
            ("POST", base, create_command),
            ("PUT", base, overwrite_commands),
            ("GET", base + "/{command_id}", get_command),
            ("PATCH", base + "/{command_id}", edit_command),
            ("DELETE", base + "/{command_id}", delete_command),
        ]
    return table

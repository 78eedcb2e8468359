"""Application commands, global and per guild: list, create (upsert), overwrite, edit, delete.

What Discord accepts and how it keeps a command is :mod:`emulator.rules.application_commands`; a
bulk overwrite is checked whole before anything changes, so one bad command leaves the old set in
place. A create that would add a command past its type's limit in the scope, or an overwrite holding
more than that many, is 30032 (an upsert of a command already there adds none).
"""

import msgspec
from aiohttp import web

from emulator.rest.context import (
    RouteTable,
    Services,
    decode,
    json_response,
    no_content,
    services,
    snowflake,
    validation_error,
)
from emulator.rules import errors, payloads
from emulator.rules.application_commands import (
    CommandBody,
    check_command,
    check_overwrite,
    count_limit,
    normalised,
    permission_bits,
)
from emulator.rules.errors import FormErrors
from emulator.rules.state import Command


def _scope(svc: Services, request: web.Request) -> int | None:
    if snowflake(request, "application_id") != svc.core.application_id:
        raise errors.DiscordError(403, 50001, "Missing Access")
    if "guild_id" not in request.match_info:
        return None
    return svc.core.world.guild(snowflake(request, "guild_id")).id


def _store(svc: Services, spec: CommandBody, guild_id: int | None) -> tuple[Command, bool]:
    """Create or replace the command named ``spec.name`` in its scope; True when created."""
    world = svc.core.world
    existing = next(
        (c for c in world.guild_commands(guild_id) if c.name == spec.name and c.type == spec.kind),
        None,
    )
    command = Command(
        id=existing.id if existing else svc.core.ids.next(),
        application_id=svc.core.application_id,
        spec=normalised(spec),
        guild_id=guild_id,
        default_member_permissions=permission_bits(spec),
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
    found = FormErrors()
    check_command(spec, (), found)
    found.raise_if_any()
    kept = svc.core.world.guild_commands(scope)
    if not any(c.name == spec.name and c.type == spec.kind for c in kept):
        limit = count_limit([*(c.type for c in kept), spec.kind])
        if limit is not None:
            raise errors.too_many_commands(limit)
    command, created = _store(svc, spec, scope)
    return json_response(payloads.command(command), status=201 if created else 200)


async def overwrite_commands(request: web.Request) -> web.Response:
    svc = services(request)
    scope = _scope(svc, request)
    specs = decode(request, list[CommandBody])
    found = FormErrors()
    check_overwrite(specs, found)
    found.raise_if_any()
    limit = count_limit(s.kind for s in specs)
    if limit is not None:
        raise errors.too_many_commands(limit)
    world = svc.core.world
    wanted = {(s.name, s.kind) for s in specs}
    for old in world.guild_commands(scope):
        if (old.name, old.type) not in wanted:
            del world.commands[old.id]
    stored = [_store(svc, s, scope)[0] for s in specs]
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
    patch = decode(request, dict[str, msgspec.Raw])
    current = msgspec.to_builtins(command.spec) | {
        "default_member_permissions": command.default_member_permissions
    }
    merged = current | {k: msgspec.json.decode(v) for k, v in patch.items()}
    try:
        spec = msgspec.convert(merged, CommandBody)
    except msgspec.ValidationError as error:
        raise validation_error(error) from None
    found = FormErrors()
    check_command(spec, (), found)
    found.raise_if_any()
    command.spec = normalised(spec)
    command.default_member_permissions = permission_bits(spec)
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

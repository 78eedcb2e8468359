"""Slash command options as a member fills them in: checked, typed and resolved."""

from emulator.rules import payloads
from emulator.rules.application_commands import CommandOption
from emulator.rules.jsontypes import JSONArray, JSONObject, JSONValue
from emulator.rules.permissions import Permission
from emulator.rules.state import Command, World

type OptionValue = str | int | float | bool

MAX_STRING = 6000
"""A string option's ``max_length`` is 1 to 6,000 (Discord's docs, Application Commands, and
the OpenAPI ``ApplicationCommandStringOption``): no member can type more into one."""
MAX_INTEGER = 2**53
"""INTEGER options take "any integer between -2^53 and 2^53" (Application Command Option Type;
the OpenAPI's ``Int53Type``), NUMBER options any double in the same range."""


class OptionError(ValueError):
    """The Discord client would not send these options (unknown, missing, wrong type)."""


def command_data(
    world: World,
    command: Command,
    path: list[str],
    values: dict[str, OptionValue],
    *,
    focused: str | None,
) -> JSONObject:
    """``data`` of an APPLICATION_COMMAND (or AUTOCOMPLETE, with ``focused``) interaction."""
    resolved = _Resolved()
    specs = command.options
    nested: list[tuple[str, int]] = []
    for part in path:
        sub = next((o for o in specs if o.name == part and o.type in (1, 2)), None)
        if sub is None:
            raise OptionError(f"/{command.name} has no subcommand {part!r}")
        nested.append((sub.name, sub.type))
        specs = sub.options or []
    options = _options(specs, values, focused, resolved)
    for name, kind in reversed(nested):
        options = [{"name": name, "type": kind, "options": options}]
    data: JSONObject = {
        "id": str(command.id),
        "name": command.name,
        "type": command.type,
        "options": options,
    }
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    if resolved:
        data["resolved"] = resolved.payload(world)
    return data


def _options(
    specs: list[CommandOption],
    values: dict[str, OptionValue],
    focused: str | None,
    resolved: "_Resolved",
) -> JSONArray:
    by_name = {o.name: o for o in specs}
    unknown = set(values) - set(by_name)
    if unknown:
        raise OptionError(f"unknown options {sorted(unknown)}")
    options: JSONArray = []
    for spec in specs:
        if spec.name not in values:
            if spec.required and focused is None:
                raise OptionError(f"option {spec.name!r} is required")
            continue
        value = values[spec.name]
        option: JSONObject = {"name": spec.name, "type": spec.type}
        if spec.name == focused:
            if isinstance(value, str) and len(value) > MAX_STRING:  # the box holds no more
                raise OptionError(f"{spec.name!r} holds at most {MAX_STRING} characters")
            option |= {"value": str(value), "focused": True}
        else:
            option["value"] = _option_value(spec, value, resolved)
        options.append(option)
    return options


class _Resolved:
    """Users, roles and channels referenced by options, sent as ``data.resolved``."""

    def __init__(self) -> None:
        self.users: set[int] = set()
        self.roles: set[int] = set()
        self.channels: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.channels)

    def payload(self, world: World) -> JSONObject:
        result: JSONObject = {}
        if self.users:
            result["users"] = {str(u): payloads.user(world.user(u)) for u in self.users}
            members: JSONObject = {}
            for guild in world.guilds.values():
                for u in self.users:
                    if u in guild.members:
                        member = payloads.member_with_permissions(world, guild.members[u])
                        members[str(u)] = {k: v for k, v in member.items() if k != "user"}
            result["members"] = members
        if self.roles:
            result["roles"] = {
                str(r): payloads.role(g.roles[r])
                for g in world.guilds.values()
                for r in self.roles
                if r in g.roles
            }
        if self.channels:
            result["channels"] = {
                str(c): payloads.channel(world.channel(c))
                | {"permissions": str(Permission.VIEW_CHANNEL)}
                for c in self.channels
            }
        return result


def _option_value(spec: CommandOption, value: OptionValue, resolved: _Resolved) -> JSONValue:
    match spec.type:
        case 3:
            if not isinstance(value, str):
                raise OptionError(f"{spec.name!r} takes text")
            longest = MAX_STRING if spec.max_length is None else spec.max_length
            if len(value) > longest:
                raise OptionError(f"{spec.name!r} holds at most {longest} characters")
            if spec.min_length is not None and len(value) < spec.min_length:
                raise OptionError(f"{spec.name!r} holds at least {spec.min_length} characters")
        case 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"{spec.name!r} takes a whole number")
            if not -MAX_INTEGER <= value <= MAX_INTEGER:
                raise OptionError(f"{spec.name!r} is a whole number within ±2^53")
        case 5:
            if not isinstance(value, bool):
                raise OptionError(f"{spec.name!r} takes true or false")
        case 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise OptionError(f"{spec.name!r} takes a number")
            if not -MAX_INTEGER <= value <= MAX_INTEGER:  # also refuses NaN
                raise OptionError(f"{spec.name!r} is a number within ±2^53")
        case 6 | 7 | 8 | 9:
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"{spec.name!r} takes an id")
            {6: resolved.users, 7: resolved.channels, 8: resolved.roles, 9: resolved.users}[
                spec.type
            ].add(value)
            return str(value)
        case _:
            raise OptionError(f"option type {spec.type} is not supported by the emulator")
    if spec.choices and not spec.autocomplete and value not in {c.value for c in spec.choices}:
        raise OptionError(f"{value!r} is not a choice of {spec.name!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        # The client will not send a number outside the option's declared bounds.
        if spec.min_value is not None and value < spec.min_value:
            raise OptionError(f"{spec.name!r} is at least {spec.min_value}")
        if spec.max_value is not None and value > spec.max_value:
            raise OptionError(f"{spec.name!r} is at most {spec.max_value}")
    return value

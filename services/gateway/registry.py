"""Which service owns which slash command, and the commands as Discord wants them.

Owners describe their commands with ``CommandSpec`` and send them in
``RegisterCommands`` on every start. The registry keeps the union and remembers
it in a small file, so a restarted gateway still routes interactions before the
owners register again.

Whether Discord must be told is never decided from that file: the file cannot
know which application, or which Discord, last received the commands, nor
whether they were deleted there since (a test bot and a production bot may share
a data folder; the emulator starts empty every run). ``same_commands`` compares
the union with the list Discord holds instead (``commands.py`` fetches it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import msgspec

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import CommandSpec, OptionSpec
from services.gateway.discord import CommandType, OptionType
from services.runtime.permissions import ADMIN_PERMISSIONS

log = logging.getLogger(__name__)


OPTION_TYPES = {
    "string": OptionType.STRING,
    "integer": OptionType.INTEGER,
    "boolean": OptionType.BOOLEAN,
    "user": OptionType.USER,
    "channel": OptionType.CHANNEL,
    "role": OptionType.ROLE,
    "number": OptionType.NUMBER,
}


class _Stored(msgspec.Struct, kw_only=True):
    # Files written by older versions also hold ``uploaded`` (a digest): msgspec ignores
    # fields a Struct does not declare, so such a file still loads.
    owners: dict[str, list[CommandSpec]] = msgspec.field(default_factory=dict)


class CommandRegistry:
    """Owners' command specs, persisted at ``path``."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stored = _Stored()
        try:
            self._stored = msgspec.json.decode(path.read_bytes(), type=_Stored)
        except FileNotFoundError:
            pass
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
            # A damaged file only costs one upload: owners register again on start.
            log.warning("ignoring unreadable command registry %s: %s", path, error)

    def register(self, owner: str, commands: list[CommandSpec]) -> None:
        """Replace ``owner``'s commands; refuse names another owner holds or bad specs."""
        for spec in commands:
            holder = self.owner_of(spec.name)
            if holder not in (None, owner):
                raise RequestRefused(
                    ErrorCode.BAD_REQUEST, f"/{spec.name} already belongs to {holder}"
                )
            _check(spec)
        names = [spec.name for spec in commands]
        if len(names) != len(set(names)):
            raise RequestRefused(ErrorCode.BAD_REQUEST, "a command name appears twice")
        self._stored.owners[owner] = list(commands)
        self._save()

    def owner_of(self, command: str) -> str | None:
        for owner, specs in self._stored.owners.items():
            if any(spec.name == command for spec in specs):
                return owner
        return None

    def is_owner(self, service: str) -> bool:
        return service in self._stored.owners

    def spec(self, command: str) -> CommandSpec | None:
        for specs in self._stored.owners.values():
            for spec in specs:
                if spec.name == command:
                    return spec
        return None

    def option(self, command: str, name: str) -> OptionSpec | None:
        """The option ``name`` of ``command`` (``config channel`` reaches a subcommand)."""
        top, *path = command.split()
        spec = self.spec(top)
        if spec is None:
            return None
        options = spec.options
        if path:
            sub = next((s for s in spec.subcommands if s.name == path[0]), None)
            options = sub.options if sub is not None else []
        return next((o for o in options if o.name == name), None)

    def discord_commands(self) -> list[dict[str, Any]]:
        """Every owner's commands in Discord's JSON, sorted by name."""
        specs = [spec for specs in self._stored.owners.values() for spec in specs]
        return [_command_json(spec) for spec in sorted(specs, key=lambda s: s.name)]

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_bytes(msgspec.json.encode(self._stored))
        temporary.replace(self._path)


def _check(spec: CommandSpec) -> None:
    options = [*spec.options, *(o for s in spec.subcommands for o in s.options)]
    for option in options:
        if option.kind not in OPTION_TYPES:
            raise RequestRefused(
                ErrorCode.BAD_REQUEST,
                f"/{spec.name} {option.name}: kind {option.kind!r} is not one of"
                f" {', '.join(OPTION_TYPES)}",
            )


def _option_json(option: OptionSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": OPTION_TYPES[option.kind],
        "name": option.name,
        "description": option.description,
        "required": option.required,
    }
    if option.choices:
        body["choices"] = [
            {"name": c.name, "value": _typed(c.value, option.kind)} for c in option.choices
        ]
    if option.autocomplete:
        body["autocomplete"] = True
    if option.min_value or option.max_value:
        body["min_value"] = _typed(str(option.min_value), option.kind)
        body["max_value"] = _typed(str(option.max_value), option.kind)
    return body


def _typed(value: str, kind: str) -> str | int | float:
    if kind == "integer":
        return int(float(value))
    if kind == "number":
        return float(value)
    return value


def _command_json(spec: CommandSpec) -> dict[str, Any]:
    options = [_option_json(o) for o in spec.options] + [
        {
            "type": OptionType.SUB_COMMAND,
            "name": sub.name,
            "description": sub.description,
            "options": [_option_json(o) for o in sub.options],
        }
        for sub in spec.subcommands
    ]
    body: dict[str, Any] = {
        "type": CommandType.CHAT_INPUT,
        "name": spec.name,
        "description": spec.description,
        "options": options,
        "contexts": [0],  # guild only: the bot's commands make no sense in DMs
    }
    if spec.admin:
        body["default_member_permissions"] = str(int(ADMIN_PERMISSIONS))
    return body


# Comparing with what Discord holds. Sources: Discord's docs, Interactions > Application
# Commands (docs.discord.com/developers/interactions/application-commands). "Get Global
# Application Commands" returns application command objects: fields we never send (id,
# application_id, version, dm_permission, integration_types) come back, and fields we
# leave out come back with their documented defaults ("Application Command Structure":
# type "defaults to 1", nsfw "defaults to false"; "Application Command Option Structure":
# required "default false"), or null, or not at all. So each side is reduced to the
# fields below, an absent, null or empty value read as the default, and the two compared
# (fields added "if localization is active", such as name_localized, fall away). Fields we
# leave at their defaults (nsfw, localizations) are compared too: a command someone changed
# on Discord's side differs, and the overwrite puts ours back.
_COMMAND_FIELDS: dict[str, Any] = {
    "type": CommandType.CHAT_INPUT,
    "name": "",
    "description": "",
    "name_localizations": None,
    "description_localizations": None,
    "options": None,
    "default_member_permissions": None,
    "contexts": None,
    "nsfw": False,
}
_OPTION_FIELDS: dict[str, Any] = {
    "type": 0,
    "name": "",
    "description": "",
    "name_localizations": None,
    "description_localizations": None,
    "required": False,
    "choices": None,
    "options": None,
    "channel_types": None,
    "min_value": None,
    "max_value": None,
    "min_length": None,
    "max_length": None,
    "autocomplete": False,
}
_CHOICE_FIELDS: dict[str, Any] = {"name": "", "name_localizations": None, "value": None}
_UNORDERED = ("contexts", "channel_types")  # sets in Discord's eyes, whatever order is sent


def same_commands(wanted: list[dict[str, Any]], held: list[dict[str, Any]]) -> bool:
    """True when ``held`` (Discord's answer) is the set ``wanted`` describes.

    Commands are matched by type and name (unique per application, type and scope:
    "Registering a Command"); their options and choices compare in order, the order
    members see them in.
    """
    return _by_key(wanted) == _by_key(held)


def _by_key(commands: list[dict[str, Any]]) -> dict[tuple[Any, Any], dict[str, Any]]:
    reduced = (_reduced(command, _COMMAND_FIELDS) for command in commands)
    return {(command["type"], command["name"]): command for command in reduced}


def _reduced(item: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    reduced: dict[str, Any] = {}
    for key, default in fields.items():
        value = item.get(key)
        if value is None or value == [] or value == {}:
            value = default
        elif key == "options":
            value = [_reduced(option, _OPTION_FIELDS) for option in value]
        elif key == "choices":
            value = [_reduced(choice, _CHOICE_FIELDS) for choice in value]
        elif key in _UNORDERED:
            value = sorted(value)
        elif key == "default_member_permissions":
            value = str(value)  # a string in Discord's answer; accepted as a number too
        reduced[key] = value
    return reduced

"""Which service owns which slash command, and the commands as Discord wants them.

Owners describe their commands with ``CommandSpec`` and send them in
``RegisterCommands`` on every start. The registry keeps the union, remembers
it in a small file (so a restarted gateway still routes interactions before
the owners register again) and says when the union differs from what was
last uploaded to Discord, so an unchanged start costs no Discord request.
"""

from __future__ import annotations

import hashlib
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
    owners: dict[str, list[CommandSpec]] = msgspec.field(default_factory=dict)
    uploaded: str = ""  # digest of the command list Discord has


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
        """Every owner's commands in Discord's JSON, sorted by name for a stable digest."""
        specs = [spec for specs in self._stored.owners.values() for spec in specs]
        return [_command_json(spec) for spec in sorted(specs, key=lambda s: s.name)]

    def needs_upload(self) -> bool:
        return self._digest() != self._stored.uploaded

    def uploaded(self) -> None:
        self._stored.uploaded = self._digest()
        self._save()

    def _digest(self) -> str:
        return hashlib.sha256(msgspec.json.encode(self.discord_commands())).hexdigest()

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

"""The scheduler's slash commands, one module each: the module defines ``COMMAND`` (a
``services.scheduler.slash.Slash``: the command's spec beside its answer), and this package
gathers every module's, so that a new command is one new module here.

``/config`` is for admins (Manage Server): Discord hides it from others through
``default_member_permissions`` and the scheduler checks the member's permissions again.
Discord sets permissions per top-level command, so ``/timezone set-for`` (admin) sits
under the everyone-command ``/timezone`` and is guarded by the scheduler's check alone.
"""

from __future__ import annotations

import importlib
import pkgutil

from bus.protocol import CommandSpec
from services.scheduler.slash import Slash


def _gathered() -> dict[str, Slash]:
    """Each module's ``COMMAND`` by its name, in the modules' order (their names')."""
    found: dict[str, Slash] = {}
    for module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
        command = getattr(importlib.import_module(f"{__name__}.{module}"), "COMMAND", None)
        if not isinstance(command, Slash):
            raise TypeError(f"{__name__}.{module} defines no COMMAND")
        if command.spec.name in found:
            raise ValueError(f"two commands are named /{command.spec.name}")
        found[command.spec.name] = command
    return found


BY_NAME = _gathered()
"""Every command by its top-level name, as the router finds it."""
COMMANDS: list[CommandSpec] = [command.spec for command in BY_NAME.values()]
"""What the gateway registers with Discord for the scheduler."""

"""The scheduler's commands, gathered from their modules: each answers what its spec offers."""

from __future__ import annotations

import pkgutil

from bus.protocol import CommandSpec
from services.scheduler import commands
from services.scheduler.commands import BY_NAME, COMMANDS


def _autocompletes(spec: CommandSpec) -> bool:
    options = [*spec.options, *(o for sub in spec.subcommands for o in sub.options)]
    return any(option.autocomplete for option in options)


def test_every_module_is_one_command_of_its_own_name() -> None:
    """``commands/away.py`` is ``/away``: a reader finds a command's code by its name."""
    modules = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    assert modules == sorted(BY_NAME) == sorted(spec.name for spec in COMMANDS)


def test_a_command_with_autocompleted_options_answers_them() -> None:
    """An option Discord autocompletes is answered by its own command's ``complete``."""
    assert {name for name, c in BY_NAME.items() if _autocompletes(c.spec)} == {
        name for name, c in BY_NAME.items() if c.complete is not None
    }

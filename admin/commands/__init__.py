"""Every ``squadtime-admin`` subcommand, in the order ``--help`` and the menu list them.

A new subcommand is a module here with one ``Command`` (see ``base.py``), added to
``COMMANDS``: the parser and the menu are built from this tuple, and a test checks that the
README's table of the admin CLI names every one.
"""

from __future__ import annotations

from admin.commands.backup import BackupCommand
from admin.commands.base import Command
from admin.commands.deadletters import DeadLettersCommand
from admin.commands.deploy import DeployCommand
from admin.commands.install import InstallCommand
from admin.commands.logs import LogsCommand
from admin.commands.menu import MenuCommand
from admin.commands.migrate import MigrateCommand
from admin.commands.rehearse import RehearseCommand
from admin.commands.restart import RestartCommand
from admin.commands.restore import RestoreCommand
from admin.commands.run import RunCommand
from admin.commands.stats import StatsCommand
from admin.commands.status import StatusCommand
from admin.commands.test import SelfTestCommand
from admin.errors import AdminError, Exit

COMMANDS: tuple[Command, ...] = (
    MenuCommand(),
    RunCommand(),
    StatusCommand(),
    LogsCommand(),
    RestartCommand(),
    SelfTestCommand(),
    BackupCommand(),
    DeadLettersCommand(),
    StatsCommand(),
    DeployCommand(),
    RestoreCommand(),
    InstallCommand(),
    MigrateCommand(),
    RehearseCommand(),
)


def command(name: str) -> Command:
    """The registered command called ``name``."""
    for candidate in COMMANDS:
        if candidate.name == name:
            return candidate
    raise AdminError(f"unknown command {name!r}", Exit.USAGE)

"""``squadtime-admin migrate``, a step of the deploy; the work is in ``admin/migrate.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from admin.commands.base import Command
from admin.errors import Exit


class MigrateCommand(Command):
    """bring the database to this release's schema (used by deploy)

    Telemetry is stopped and, when the schema changes, a copy of the database is kept under
    the label first; --restore puts that copy back. Prints what was done as one JSON line.
    """

    name = "migrate"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--label", required=True, help="name of the pre-migration copy")
        parser.add_argument("--restore", action="store_true", help="put that copy back instead")

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.migrate import run_migrate

        return run_migrate(env, args.label, restore=args.restore)

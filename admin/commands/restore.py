"""``squadtime-admin restore``; the work is in ``admin/restore.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Ask, Command, host_answer
from admin.errors import Exit
from admin.remote import host_of, ssh_options


class RestoreCommand(Command):
    """put a backup in place of the live database (sent to the Pi with --host)

    The backup is checked first (SQLite's integrity check, a schema this release reads);
    telemetry is stopped for the swap and started again; the database it replaces is kept
    beside it as telemetry.db.replaced-<time>. With --host the file goes to the host over
    SSH and is restored there. The bot carries on from the backup: it never posts a day's
    message twice.
    """

    name = "restore"
    menu = "restore a backup (here or on the Pi)"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "backup", type=Path, help="a backup file (from 'backup'; '-': read it from stdin)"
        )
        ssh_options(parser, required=False)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.restore import restore, restore_from_stdin, restore_remote

        if args.host:
            return restore_remote(host_of(args), args.backup)
        if str(args.backup) == "-":
            return restore_from_stdin(env)
        return restore(env, args.backup)

    def answers(self, ask: Ask) -> list[str] | None:
        backup = ask("backup file to restore")
        if not backup:
            return None
        return ["restore", backup, *host_answer(ask)]

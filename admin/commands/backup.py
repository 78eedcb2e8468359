"""``squadtime-admin backup``; the work is in ``admin/backup.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Ask, Command, host_answer
from admin.errors import Exit
from admin.remote import host_of, ssh_options


class BackupCommand(Command):
    """a consistent copy of the live database (downloaded with --host)

    Telemetry writes the copy with SQLite's backup API while it keeps recording. With
    --host the backup is taken on the host, downloaded, checked against its size and
    removed from the host (unless --keep-remote).
    """

    name = "backup"
    menu = "a consistent backup of the live database (here or from the Pi)"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "destination",
            nargs="?",
            type=Path,
            help="new file or folder (default: data dir/backups)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--keep-remote", action="store_true", help="leave the copy on the host too"
        )
        ssh_options(parser, required=False)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.backup import backup, backup_remote

        if args.host:
            return backup_remote(host_of(args), args.destination, keep_remote=args.keep_remote)
        return backup(env, args.destination, as_json=args.json)

    def answers(self, ask: Ask) -> list[str] | None:
        destination = ask("save to (file or folder; empty: the default)")
        return ["backup", *([destination] if destination else []), *host_answer(ask)]

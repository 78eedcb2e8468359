"""``squadtime-admin stats``; the work is in ``admin/stats.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Ask, Command
from admin.errors import Exit


class StatsCommand(Command):
    """every graph of a database file, into a folder

    One folder per guild, with a progress bar while the graphs are drawn.
    """

    name = "stats"
    menu = "every graph of a database file, into a folder"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("database", type=Path, help="a database file (a backup)")
        parser.add_argument("out_dir", type=Path, help="folder for the PNG files")

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        # Drawing loads matplotlib: imported only when graphs are drawn.
        from admin.stats import stats

        return stats(args.database, args.out_dir)

    def answers(self, ask: Ask) -> list[str] | None:
        database = ask("database file (a backup)")
        if not database:
            return None
        return ["stats", database, ask("folder for the graphs", "graphs")]

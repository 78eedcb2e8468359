"""``squadtime-admin restart``; the work is in ``admin/restart.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from admin.commands.base import Ask, Command
from admin.errors import Exit
from admin.fleet import PROGRAMS
from admin.remote import ssh_options


class RestartCommand(Command):
    """restart one service, or all"""

    name = "restart"
    menu = "restart one service, or all"
    forwarded = True

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("service", help=f"'all' or one of: {', '.join(PROGRAMS)}")
        parser.add_argument(
            "--reload", action="store_true", help="re-read supervisord.conf first (after an update)"
        )
        ssh_options(parser, required=False)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.restart import restart

        return restart(env, args.service, reload=args.reload)

    def answers(self, ask: Ask) -> list[str] | None:
        return ["restart", ask(f"service (all, {', '.join(PROGRAMS)})", "all")]

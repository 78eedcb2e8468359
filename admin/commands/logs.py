"""``squadtime-admin logs``; the work is in ``admin/logs.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from admin.commands.base import Ask, Command, host_answer
from admin.errors import Exit
from admin.fleet import PROGRAMS
from admin.remote import ssh_options


class LogsCommand(Command):
    """the end of one service's log

    Read from the log folder rather than through supervisord, so it works while the fleet
    is down.
    """

    name = "logs"
    menu = "the end of one service's log"
    forwarded = True

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("service", help=f"one of: {', '.join(PROGRAMS)}")
        parser.add_argument(
            "-n", "--lines", type=int, default=40, help="how many lines (default 40)"
        )
        parser.add_argument(
            "-f", "--follow", action="store_true", help="keep printing until Ctrl-C"
        )
        ssh_options(parser, required=False)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.logs import logs

        return logs(env, args.service, lines=args.lines, follow=args.follow)

    def answers(self, ask: Ask) -> list[str] | None:
        service = ask(f"service ({', '.join(PROGRAMS)})")
        return ["logs", service, "--lines", ask("lines", "40"), *host_answer(ask)]

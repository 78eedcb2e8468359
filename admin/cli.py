"""``squadtime-admin`` / ``python -m admin``: run and look after the bot.

Without a subcommand (on a terminal) it opens the menu; every menu action is also a
subcommand for scripts. ``--host`` runs status, logs, restart and backup on a Pi over SSH.
The subcommands are the modules of ``admin/commands/``: the parser is built from them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from admin.commands import COMMANDS, command
from admin.errors import AdminError, Exit
from admin.fleet import REPO, fleet_environment
from admin.remote import forwarded, host_of, on_host

EPILOG = """exit status: 0 done, 1 the answer is no (unhealthy, tests failed, deploy rolled
back), 2 bad input (unknown service, missing file), 3 the fleet or the host is unreachable.
Settings come from the environment (SQUADTIME_RUNTIME_DIR, SQUADTIME_DATA_DIR,
SQUADTIME_LOG_DIR, DISCORD_TOKEN / DISCORD_TOKEN_FILE); see README.md."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: the global options, then one subparser per registered command."""
    parser = argparse.ArgumentParser(
        prog="squadtime-admin",
        description="Run and look after the squadtime bot. Without a command: the menu.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=REPO / "var",
        help="data and logs go here unless SQUADTIME_DATA_DIR / SQUADTIME_LOG_DIR say otherwise"
        " (default: var/ in the checkout)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for registered in COMMANDS:
        registered.arguments(
            subparsers.add_parser(
                registered.name, help=registered.help, description=registered.description
            )
        )
    return parser


def dispatch(args: argparse.Namespace, argv: Sequence[str]) -> Exit:
    """Run the chosen command, on the host when it is forwarded there; AdminError travels up."""
    env = fleet_environment(os.environ, args.state_dir)
    chosen = command(args.command)
    if chosen.forwarded and getattr(args, "host", None):
        return on_host(host_of(args), forwarded(argv[argv.index(chosen.name) :]))
    return chosen.run(args, env)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen action; the exit status says how it went."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(arguments)
    if args.command is None:
        args.command = "menu"
    try:
        return int(dispatch(args, arguments))
    except AdminError as error:
        print(f"squadtime-admin: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        return int(Exit.FAILED)

"""``squadtime-admin deploy``; the steps are in ``admin/deploy.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Ask, Command, positive
from admin.errors import Exit
from admin.remote import host_of, ssh_options


class DeployCommand(Command):
    """ship this checkout to a host, restart, check health, roll back if unhealthy

    Copy the release, install its dependencies, migrate the database, switch to it and
    restart; if the fleet is not healthy within --health-timeout, switch back, restore the
    database and exit with status 1.
    """

    name = "deploy"
    menu = "ship this checkout to the Pi, check health, roll back if unhealthy"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--source", type=Path, help="the tree to ship (default: this checkout)")
        parser.add_argument(
            "--offline", action="store_true", help="install from what the host's venv already has"
        )
        parser.add_argument(
            "--health-timeout", type=positive, default=60.0, help="seconds to become healthy"
        )
        ssh_options(parser, required=True)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.deploy import deploy

        return deploy(
            host_of(args), args.source, offline=args.offline, health_timeout=args.health_timeout
        )

    def answers(self, ask: Ask) -> list[str] | None:
        host = ask("host (user@host)")
        return ["deploy", "--host", host] if host else None

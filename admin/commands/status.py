"""``squadtime-admin status``; the work is in ``admin/status.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from admin.commands.base import Ask, Command, host_answer, positive
from admin.errors import Exit
from admin.remote import ssh_options


class StatusCommand(Command):
    """each service: supervisord state, bus heartbeat and counters

    Healthy (exit status 0) means every program is RUNNING and every service has sent a
    heartbeat from the process supervisord runs now.
    """

    name = "status"
    menu = "each service's state, heartbeat and counters"
    forwarded = True

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--listen", type=positive, default=7.0, help="seconds to wait for heartbeats"
        )
        parser.add_argument(
            "--wait", type=positive, default=0.0, help="keep checking up to this long until healthy"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object, for scripts")
        ssh_options(parser, required=False)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.status import status

        return status(env, listen=args.listen, wait=args.wait, as_json=args.json)

    def answers(self, ask: Ask) -> list[str] | None:
        return ["status", *host_answer(ask)]

"""``squadtime-admin dead-letters``; the work is in ``admin/deadletters.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from admin.commands.base import Command
from admin.errors import Exit
from admin.remote import ssh_options


def _count(text: str) -> int:
    """An argparse type: how many dead letters to list, 1 to 1,000."""
    if not text.isdigit() or not 1 <= int(text) <= 1_000:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a number from 1 to 1000")
    return int(text)


class DeadLettersCommand(Command):
    """events telemetry set aside because they cannot be stored

    An event whose instant is not finite or out of range, or with a value the database
    refuses, is kept aside by telemetry with the reason and the frame as it came, and
    acknowledged so that the events after it are stored. This lists the latest, newest
    first. See docs/operations.md for what to do about them.
    """

    name = "dead-letters"
    forwarded = True

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "-n", "--limit", type=_count, default=20, help="how many to list (default: 20)"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object, for scripts")
        ssh_options(parser, required=False)

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.deadletters import dead_letters

        return dead_letters(env, args.limit, as_json=args.json)

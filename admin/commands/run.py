"""``squadtime-admin run`` (what ``./dev run`` runs); the work is in ``admin/run.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Command, positive
from admin.errors import Exit


def _speed(text: str) -> float:
    value = positive(text)
    if not 0 < value < 10_000_000:
        raise argparse.ArgumentTypeError(f"{text!r}: a speed is above 0 and below 10,000,000")
    return value


def _whole(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r}: between {low} and {high} {what}")
    return value


def _count(text: str) -> int:
    return _whole(text, 0, 366, "days")


def _members(text: str) -> int:
    return _whole(text, 1, 500, "members")


class RunCommand(Command):
    """run the whole fleet in the foreground (the emulator demo without a token)

    Run the fleet under supervisord until Ctrl-C. Without DISCORD_TOKEN or
    DISCORD_TOKEN_FILE the bot runs against a local Discord emulator with a simulated
    community: a month of play, then today with the daily message shown as it changes,
    then the month's graphs.
    """

    name = "run"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--members", type=_members, default=16, help="simulated members (demo)")
        parser.add_argument(
            "--seed", type=int, default=7, help="seed of the simulated community (demo)"
        )
        parser.add_argument(
            "--speed",
            type=_speed,
            default=600.0,
            help="today's simulated seconds per second (demo)",
        )
        parser.add_argument(
            "--days", type=_count, default=28, help="days the community plays before today (demo)"
        )
        parser.add_argument(
            "--month-speed",
            type=_speed,
            default=20_000.0,
            help="simulated seconds per second while the month is played (demo)",
        )
        parser.add_argument("--graphs", type=Path, help="where the demo writes graphs (var/graphs)")

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        # The demo brings the emulator and matplotlib: imported only when it is run.
        from admin.demo import DemoSettings
        from admin.run import run

        graphs = (args.graphs or args.state_dir / "graphs").absolute()
        settings = DemoSettings(
            args.members, args.seed, args.speed, graphs, args.days, args.month_speed
        )
        return run(env, settings)

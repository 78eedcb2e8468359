"""``squadtime-admin rehearse``; the work is in ``admin/rehearse.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Command
from admin.errors import Exit


class RehearseCommand(Command):
    """a fresh emulated Pi: install.sh, a first deploy, healthy, the demo (before a release)

    As root on an x86-64 Debian machine: builds a Debian 13 arm64 system with mmdebstrap,
    runs it under qemu-user-static with a Pi 4's CPU (through binfmt_misc), runs
    deploy/install.sh in it, deploys this checkout to it over SSH, waits until status is
    healthy, then plays the offline demo from the deployed release as the bot's user.
    Prints each step's outcome and time; removes everything it made afterwards. It takes
    about a quarter of an hour and needs Debian's package mirror and PyPI.
    """

    name = "rehearse"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--work", type=Path, help="the folder to work in (default: a new one in /var/tmp)"
        )

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.rehearse import rehearse

        return rehearse(args.work)

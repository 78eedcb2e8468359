"""``squadtime-admin install``, a step of the deploy; the work is in ``admin/install.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Command
from admin.errors import Exit


class InstallCommand(Command):
    """give this release its own venv, exactly as its lock file says (used by deploy)

    Run on the host from the release's folder, by the host's tools Python (the one that
    holds uv): <release>/.venv is made anew with exactly the packages and versions of
    the release's requirements.lock, hashes checked, binary wheels only. It needs none
    of those packages itself.
    """

    name = "install"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--offline", action="store_true", help="install from uv's cache only (no download)"
        )
        parser.add_argument(
            "--uv", type=Path, help="the uv program (default: beside this Python, else on PATH)"
        )

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.install import default_uv, install

        return install(Path.cwd(), uv=args.uv or default_uv(), offline=args.offline)

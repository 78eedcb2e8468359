"""``squadtime-admin install``, a step of the deploy; the work is in ``admin/install.py``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from admin.commands.base import Command
from admin.errors import Exit


class InstallCommand(Command):
    """install this release's dependencies into its venv (used by deploy)

    Run on the host from the release's folder: the requirements of its pyproject.toml are
    installed into the virtual environment of the Python that runs this.
    """

    name = "install"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--offline", action="store_true")

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.install import install

        return install(Path.cwd(), offline=args.offline)

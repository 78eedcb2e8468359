"""``squadtime-admin menu``, also what the bare ``squadtime-admin`` runs; see ``admin/menu.py``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from admin.commands.base import Command
from admin.errors import Exit


class MenuCommand(Command):
    """the interactive menu (reads choices from stdin)"""

    name = "menu"

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.cli import main
        from admin.menu import menu

        return menu(sys.stdin, sys.stdout, main)

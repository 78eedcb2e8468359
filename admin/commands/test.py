"""``squadtime-admin test``; the work is in ``admin/selftest.py``."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping

from admin.commands.base import Ask, Command
from admin.errors import Exit


class SelfTestCommand(Command):
    """run the tests (pytest; --full: lint and types too)"""

    name = "test"
    menu = "run the tests"

    def arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="run ./dev test: ruff, mypy, pytest"
        )
        parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")

    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        from admin.selftest import run_tests

        return run_tests(args.pytest_args, full=args.full)

    def answers(self, ask: Ask) -> list[str] | None:
        return ["test", *shlex.split(ask("pytest arguments (empty: every test)"))]

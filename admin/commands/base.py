"""What a ``squadtime-admin`` subcommand is, as ``circus/commands/base.py`` is for circus.

Each subcommand is one module of ``admin/commands/`` holding one ``Command``: its name; its
docstring, which is its help (the first line in ``squadtime-admin --help``, the rest in
``squadtime-admin NAME --help``); its arguments; what it runs; and, if it is in the menu, its
line there and the questions that make its command line. ``admin/commands/__init__.py`` lists
them, and the parser (``admin/cli.py``) and the menu (``admin/menu.py``) are built from that list.

Every command module is imported to build the parser, so a module imports only what its
arguments need; ``run`` imports the work (``admin/status.py`` and the like) when it is called.
A status check on a Pi must not load the emulator or matplotlib.
"""

from __future__ import annotations

import argparse
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, Protocol

from admin.errors import Exit


class Ask(Protocol):
    """The menu's question: the answer typed, or ``default`` when it is left empty."""

    def __call__(self, question: str, default: str = "") -> str: ...


class Command(ABC):
    """One subcommand; a subclass's docstring is its help."""

    name: ClassVar[str]
    menu: ClassVar[str | None] = None
    """Its line in the interactive menu (numbered in the registry's order); None: not there."""
    forwarded: ClassVar[bool] = False
    """With ``--host``, the same command line runs on the host over SSH, its output shown here."""

    @property
    def help(self) -> str:
        """The first line of the docstring: the command in ``squadtime-admin --help``."""
        return self._docstring()[0]

    @property
    def description(self) -> str | None:
        """The rest of the docstring, if any: what ``squadtime-admin NAME --help`` explains."""
        return "\n".join(self._docstring()[1:]).strip() or None

    def _docstring(self) -> list[str]:
        # Not inspect.getdoc: it would lend Command's own docstring to a command without one.
        return inspect.cleandoc(type(self).__doc__ or "").splitlines() or [""]

    def arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027 (a default, not abstract)
        """Add the command's options and positional arguments (by default none)."""

    @abstractmethod
    def run(self, args: argparse.Namespace, env: Mapping[str, str]) -> Exit:
        """Do it in the fleet's environment ``env``; AdminError travels up to ``main``."""

    def answers(self, ask: Ask) -> list[str] | None:
        """The command line from the menu's questions; None when an answer is missing."""
        return [self.name]


def positive(text: str) -> float:
    """An argparse type: a number of seconds (or a pace) that is not negative."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def host_answer(ask: Ask) -> list[str]:
    """``--host HOST`` when the menu is given a host; nothing for this machine."""
    host = ask("host (empty: this machine)")
    return ["--host", host] if host else []

"""The interactive menu: pick an action by number, answer a question or two, see the result.

Choices and answers are read line by line from a stream (stdin), so a script or a test can
drive the menu without a terminal. Each action runs exactly as its subcommand would.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from admin.errors import Exit
from admin.fleet import PROGRAMS

type Runner = Callable[[Sequence[str]], int]


class _EndOfInput(Exception):
    """stdin closed: leave the menu."""


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    name: str
    help: str


ITEMS = (
    Item("1", "status", "each service's state, heartbeat and counters"),
    Item("2", "logs", "the end of one service's log"),
    Item("3", "restart", "restart one service, or all"),
    Item("4", "test", "run the tests"),
    Item("5", "backup", "a consistent backup of the live database (here or from the Pi)"),
    Item("6", "stats", "every graph of a database file, into a folder"),
    Item("7", "deploy", "ship this checkout to the Pi, check health, roll back if unhealthy"),
)


class Menu:
    def __init__(self, stdin: TextIO, stdout: TextIO, runner: Runner) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.runner = runner

    def ask(self, question: str, default: str = "") -> str:
        suffix = f" [{default}]" if default else ""
        self.stdout.write(f"{question}{suffix}: ")
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise _EndOfInput
        return line.strip() or default

    def arguments(self, name: str) -> list[str] | None:
        """The subcommand's argv from the answers; None when an answer is missing."""
        match name:
            case "status":
                return ["status", *self._host()]
            case "logs":
                service = self.ask(f"service ({', '.join(PROGRAMS)})")
                return ["logs", service, "--lines", self.ask("lines", "40"), *self._host()]
            case "restart":
                return ["restart", self.ask(f"service (all, {', '.join(PROGRAMS)})", "all")]
            case "test":
                return ["test", *shlex.split(self.ask("pytest arguments (empty: every test)"))]
            case "backup":
                destination = self.ask("save to (file or folder; empty: the default)")
                return ["backup", *([destination] if destination else []), *self._host()]
            case "stats":
                database = self.ask("database file (a backup)")
                if not database:
                    return None
                return ["stats", database, self.ask("folder for the graphs", "graphs")]
            case "deploy":
                host = self.ask("host (user@host)")
                return ["deploy", "--host", host] if host else None
        return None

    def _host(self) -> list[str]:
        host = self.ask("host (empty: this machine)")
        return ["--host", host] if host else []

    def show(self) -> None:
        self.stdout.write("\nsquadtime admin\n")
        for item in ITEMS:
            self.stdout.write(f"  {item.key}) {item.name:<8} {item.help}\n")
        self.stdout.write("  q) quit\n")

    def loop(self) -> Exit:
        names = {item.key: item.name for item in ITEMS} | {item.name: item.name for item in ITEMS}
        while True:
            self.show()
            try:
                choice = self.ask("choice").lower()
                if choice in {"q", "quit", "exit"}:
                    return Exit.OK
                name = names.get(choice)
                if name is None:
                    self.stdout.write(f"no such choice: {choice!r}\n")
                    continue
                argv = self.arguments(name)
            except _EndOfInput:
                self.stdout.write("\n")
                return Exit.OK
            if argv is None:
                self.stdout.write("cancelled: an answer was missing\n")
                continue
            self.stdout.flush()
            status = self.runner(argv)
            self.stdout.write(f"{name}: {'done' if status == 0 else f'exit status {status}'}\n")


def menu(stdin: TextIO, stdout: TextIO, runner: Runner) -> Exit:
    """Show the menu until 'q' or the end of input."""
    return Menu(stdin, stdout, runner).loop()

"""The interactive menu: pick an action by number, answer a question or two, see the result.

Choices and answers are read line by line from a stream (stdin), so a script or a test can
drive the menu without a terminal. The entries are the registered commands that have a
menu line (``admin/commands/``), numbered in the registry's order; each asks its own
questions and runs exactly as its subcommand would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from admin.commands import COMMANDS
from admin.commands.base import Command
from admin.errors import Exit

type Runner = Callable[[Sequence[str]], int]


class _EndOfInput(Exception):
    """stdin closed: leave the menu."""


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    command: Command
    line: str


def items() -> tuple[Item, ...]:
    """The menu's entries: ``1)`` for the first registered command with a menu line, and so on."""
    listed = [(c, c.menu) for c in COMMANDS if c.menu is not None]
    return tuple(Item(str(n), command, line) for n, (command, line) in enumerate(listed, 1))


class Menu:
    def __init__(self, stdin: TextIO, stdout: TextIO, runner: Runner) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.runner = runner
        self.items = items()

    def ask(self, question: str, default: str = "") -> str:
        suffix = f" [{default}]" if default else ""
        self.stdout.write(f"{question}{suffix}: ")
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise _EndOfInput
        return line.strip() or default

    def show(self) -> None:
        self.stdout.write("\nsquadtime admin\n")
        for item in self.items:
            self.stdout.write(f"  {item.key}) {item.command.name:<8} {item.line}\n")
        self.stdout.write("  q) quit\n")

    def loop(self) -> Exit:
        chosen = {item.key: item for item in self.items}
        chosen |= {item.command.name: item for item in self.items}
        while True:
            self.show()
            try:
                choice = self.ask("choice").lower()
                if choice in {"q", "quit", "exit"}:
                    return Exit.OK
                item = chosen.get(choice)
                if item is None:
                    self.stdout.write(f"no such choice: {choice!r}\n")
                    continue
                argv = item.command.answers(self.ask)
            except _EndOfInput:
                self.stdout.write("\n")
                return Exit.OK
            if argv is None:
                self.stdout.write("cancelled: an answer was missing\n")
                continue
            self.stdout.flush()
            status = self.runner(argv)
            name = item.command.name
            self.stdout.write(f"{name}: {'done' if status == 0 else f'exit status {status}'}\n")


def menu(stdin: TextIO, stdout: TextIO, runner: Runner) -> Exit:
    """Show the menu until 'q' or the end of input."""
    return Menu(stdin, stdout, runner).loop()

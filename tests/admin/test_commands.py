"""The registry: --help, the menu and the README list exactly the registered commands."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from admin.cli import build_parser
from admin.commands import COMMANDS
from admin.commands.base import Command
from admin.menu import menu
from tests.admin.conftest import REPO

NAMES = [command.name for command in COMMANDS]
IN_MENU = [command for command in COMMANDS if command.menu is not None]


def listed_by_help(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The commands ``squadtime-admin --help`` lists, each with its help line."""
    monkeypatch.setenv("COLUMNS", "250")  # argparse wraps at the terminal's width
    text = build_parser().format_help()
    listing = text.split("\n  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    rows = (re.fullmatch(r" {4}(\S+) +(.+)", line) for line in listing.splitlines())
    return {row[1]: row[2] for row in rows if row}


def test_help_lists_exactly_the_registered_commands_with_their_help(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each registered command is in --help once, with the first line of its docstring."""
    listed = listed_by_help(monkeypatch)
    assert list(listed) == NAMES
    assert listed == {command.name: command.help for command in COMMANDS}
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("command", COMMANDS, ids=NAMES)
def test_every_command_has_a_help_text_and_a_help_page(
    command: Command, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command's help is not empty, and ``squadtime-admin NAME --help`` shows its page."""
    assert command.help.strip()
    assert command.help == command.help.strip()
    with pytest.raises(SystemExit) as leaving:
        build_parser().parse_args([command.name, "--help"])
    assert leaving.value.code == 0
    page = " ".join(capsys.readouterr().out.split())
    assert page.startswith(f"usage: squadtime-admin {command.name} ")
    if command.description:
        assert " ".join(command.description.split()) in page


def test_menu_lists_exactly_the_commands_with_a_menu_line() -> None:
    """The menu numbers the commands that have a menu line, in the registry's order."""
    shown = io.StringIO()
    assert menu(io.StringIO(""), shown, lambda argv: 0) == 0
    entries = re.findall(r"^  (\d+)\) (\S+) +(.+)$", shown.getvalue(), re.MULTILINE)
    expected = [(str(n), c.name, c.menu) for n, c in enumerate(IN_MENU, 1)]
    assert entries == expected
    assert [name for _, name, _ in entries] == ["status", "logs", "restart", "test", "backup",
                                                 "stats", "deploy", "restore"]  # fmt: skip


@pytest.mark.parametrize("command", IN_MENU, ids=[c.name for c in IN_MENU])
def test_each_menu_entry_makes_a_command_line_of_its_own_command(command: Command) -> None:
    """Answering every question gives a command line the parser takes as that command."""

    def ask(question: str, default: str = "") -> str:
        return default or "answer"

    argv = command.answers(ask)
    assert argv is not None
    assert build_parser().parse_args(argv).command == command.name


def readme_commands() -> list[str]:
    """The commands of the README's table under "The admin CLI", first word of each row."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The admin CLI\n", 1)[1].split("\n## ", 1)[0]
    rows = (re.match(r"\| `([a-z-]+)", line) for line in section.splitlines())
    return [row[1] for row in rows if row]


def test_readme_table_lists_every_registered_command() -> None:
    """A command missing from the README's admin table (or one the CLI lacks) fails here."""
    listed = readme_commands()
    missing, unknown = sorted(set(NAMES) - set(listed)), sorted(set(listed) - set(NAMES))
    assert sorted(listed) == sorted(NAMES), f"README lacks {missing}; not commands: {unknown}"


def test_a_status_check_loads_neither_the_emulator_nor_matplotlib(short_tmp: Path) -> None:
    """Building the parser for every command and running status import no heavy module."""
    script = (
        "import sys\n"
        "from admin.cli import main\n"
        "print(main(['status', '--listen', '0']))\n"
        "heavy = ('matplotlib', 'emulator', 'admin.demo', 'admin.stats', 'admin.run')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    env = {**os.environ, "SQUADTIME_RUNTIME_DIR": str(short_tmp / "run")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["3", "[]"]  # 3: no supervisord there; nothing heavy
    assert "supervisord is not running" in done.stderr

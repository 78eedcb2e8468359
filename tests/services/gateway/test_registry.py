"""Comparing the commands the bot wants with the list Discord answers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bus.protocol import Choice, CommandSpec, OptionSpec, SubcommandSpec
from services.gateway.registry import CommandRegistry, same_commands

WHEN = CommandSpec(
    name="when",
    description="Who plays when",
    options=[
        OptionSpec(name="day", description="Which day", choices=[Choice(name="Today", value="0")]),
        OptionSpec(name="hours", description="How many", kind="integer", min_value=1, max_value=20),
    ],
)
CONFIG = CommandSpec(
    name="config",
    description="Set the bot up",
    admin=True,
    subcommands=[SubcommandSpec(name="reset", description="Start again")],
)


def wanted(tmp_path: Path) -> list[dict[str, Any]]:
    registry = CommandRegistry(tmp_path / "commands.json")
    registry.register("scheduler", [WHEN, CONFIG])
    return registry.discord_commands()


def as_discord_answers(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``commands`` as Discord lists them: its own fields added, defaults filled or left out."""
    answered = []
    for number, sent in enumerate(reversed(commands)):
        command = copy.deepcopy(sent)
        command |= {
            "id": str(1000 + number),
            "application_id": "42",
            "version": str(2000 + number),
            "default_member_permissions": command.get("default_member_permissions"),
            "name_localizations": None,
            "description_localizations": None,
            "nsfw": False,
            "integration_types": [0],
            "dm_permission": True,
        }
        for option in command["options"]:
            option |= {"name_localizations": None, "description_localizations": None}
            if not option.get("required"):
                option.pop("required", None)  # Discord names it only when true
            if not option.get("options"):
                option.pop("options", None)
        if not command["options"]:
            del command["options"]
        answered.append(command)
    return answered


def test_discords_answer_for_the_same_commands_is_the_same(tmp_path: Path) -> None:
    """Ids, versions, defaults and another order of commands are no difference."""
    commands = wanted(tmp_path)
    assert same_commands(commands, as_discord_answers(commands))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda held: held.pop(), "a command is missing"),
        (lambda held: held.append({**held[0], "name": "extra"}), "an extra command"),
        (lambda held: held[0].update(description="Edited"), "a description"),
        (lambda held: held[0].update(nsfw=True), "age-restricted since"),
        (lambda held: held[0].update(name_localizations={"fr": "quand"}), "a localization"),
        (lambda held: held[1].update(default_member_permissions=None), "anyone may use it"),
        (lambda held: held[0]["options"].reverse(), "options in another order"),
        (lambda held: held[0]["options"][1].update(max_value=10), "an option's bound"),
        (lambda held: held[0]["options"][0]["choices"].clear(), "an option's choices"),
        (lambda held: held[0]["options"][0].update(required=True), "a required option"),
    ],
)
def test_any_difference_that_members_would_see_counts(
    tmp_path: Path, change: Any, why: str
) -> None:
    """A command Discord holds differently from what the bot wants is not the same set."""
    held = as_discord_answers(wanted(tmp_path))
    when = next(c for c in held if c["name"] == "when")
    held.remove(when)
    held.insert(0, when)  # held[0] is /when, held[1] is /config
    change(held)
    assert not same_commands(wanted(tmp_path), held), why

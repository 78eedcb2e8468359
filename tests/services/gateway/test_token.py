"""Where the token comes from, and the command registry's persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bus.errors import RequestRefused
from bus.protocol import CommandSpec, OptionSpec
from services.gateway.config import GatewayConfig
from services.gateway.registry import CommandRegistry
from services.runtime.settings import SettingsError
from services.runtime.token import TokenError, load_token


def test_variable_wins_over_file(tmp_path: Path) -> None:
    """DISCORD_TOKEN is used when both are set."""
    file = tmp_path / "token"
    file.write_text("from-file\n")
    env = {"DISCORD_TOKEN": "from-env", "DISCORD_TOKEN_FILE": str(file)}
    assert load_token(env) == "from-env"


def test_file_is_read_and_stripped(tmp_path: Path) -> None:
    """DISCORD_TOKEN_FILE's content, without the trailing newline, is the token."""
    file = tmp_path / "token"
    file.write_text("from-file\n")
    assert load_token({"DISCORD_TOKEN_FILE": str(file)}) == "from-file"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "no bot token"),
        ({"DISCORD_TOKEN_FILE": "/nonexistent/token"}, "cannot be read"),
    ],
)
def test_missing_token_is_explained(env: dict[str, str], says: str) -> None:
    """No token, or an unreadable file, raises TokenError saying so."""
    with pytest.raises(TokenError, match=says):
        load_token(env)


def test_config_never_shows_the_token() -> None:
    """The configuration's repr (tracebacks, debug lines) hides the token."""
    config = GatewayConfig.from_env({"DISCORD_TOKEN": "s3cret"})
    assert "s3cret" not in repr(config)
    assert config.api_base == "https://discord.com/api/v10"


def test_api_base_must_be_a_url() -> None:
    """SQUADTIME_DISCORD_API must be an http(s) URL."""
    with pytest.raises(SettingsError, match="SQUADTIME_DISCORD_API"):
        GatewayConfig.from_env({"DISCORD_TOKEN": "t", "SQUADTIME_DISCORD_API": "discord"})


def test_registry_survives_a_restart(tmp_path: Path) -> None:
    """Owners persist across gateway restarts, so interactions route before they register."""
    path = tmp_path / "commands.json"
    spec = CommandSpec(name="when", description="Who plays when")
    CommandRegistry(path).register("scheduler", [spec])
    second = CommandRegistry(path)
    assert second.owner_of("when") == "scheduler"
    assert [c["name"] for c in second.discord_commands()] == ["when"]


def test_registry_reads_a_file_from_an_older_version(tmp_path: Path) -> None:
    """A file that still holds the old upload digest loads with its owners."""
    path = tmp_path / "commands.json"
    path.write_text(
        '{"owners": {"scheduler": [{"name": "when", "description": "d"}]}, "uploaded": "9f2c"}'
    )
    registry = CommandRegistry(path)
    assert registry.owner_of("when") == "scheduler"
    registry.register("telemetry", [CommandSpec(name="stats", description="Graphs")])
    assert "uploaded" not in path.read_text()


def test_registry_refuses_conflicts_and_bad_kinds(tmp_path: Path) -> None:
    """A name held by another owner, or an unknown option kind, is a bad request."""
    registry = CommandRegistry(tmp_path / "commands.json")
    registry.register("scheduler", [CommandSpec(name="when", description="d")])
    with pytest.raises(RequestRefused, match="already belongs to scheduler"):
        registry.register("voice", [CommandSpec(name="when", description="d")])
    bad = OptionSpec(name="x", description="d", kind="date")
    with pytest.raises(RequestRefused, match="kind 'date'"):
        registry.register("voice", [CommandSpec(name="day", description="d", options=[bad])])

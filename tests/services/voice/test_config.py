"""The voice service's settings: defaults, and every bad value refused with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.runtime.settings import SettingsError
from services.voice.__main__ import main
from services.voice.config import VoiceConfig

TOKEN = {"DISCORD_TOKEN": "t0ken"}


def test_defaults_and_the_token_kept_out_of_its_repr() -> None:
    """With only a token: Discord's API, espeak-ng, English at 160 wpm, 30 minutes' cool-down."""
    config = VoiceConfig.from_env(TOKEN)
    assert (config.api_base, config.espeak, config.voice) == (
        "https://discord.com/api/v10",
        "espeak-ng",
        "en",
    )
    assert (config.speed, config.cooldown) == (160, 1800.0)
    assert "t0ken" not in repr(config)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SQUADTIME_VOICE_SPEED", "fast", "is not a number"),
        ("SQUADTIME_VOICE_SPEED", "1000", "between 80 and 450"),
        ("SQUADTIME_VOICE_COOLDOWN_SECONDS", "-1", "between 0 and 86400"),
        ("SQUADTIME_VOICE_CA_FILE", "/nonexistent/ca.pem", "is not a file"),
        ("SQUADTIME_DISCORD_API", "discord.com", "must be an http"),
    ],
)
def test_a_bad_setting_is_refused_with_its_reason(name: str, value: str, says: str) -> None:
    """Each malformed voice setting is a SettingsError naming it."""
    with pytest.raises(SettingsError, match=says):
        VoiceConfig.from_env({**TOKEN, name: value})


def test_no_token_is_refused() -> None:
    """Without DISCORD_TOKEN or DISCORD_TOKEN_FILE the voice service cannot start."""
    with pytest.raises(SettingsError, match="no bot token"):
        VoiceConfig.from_env({})


def test_the_process_exits_2_on_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() logs the reason and exits with 2, which supervisord does not retry."""
    monkeypatch.setenv("DISCORD_TOKEN", "t0ken")
    monkeypatch.setenv("SQUADTIME_VOICE_SPEED", "fast")
    monkeypatch.setenv("SQUADTIME_RUNTIME_DIR", str(tmp_path))
    assert main([]) == 2
    printed = capsys.readouterr()
    assert "SQUADTIME_VOICE_SPEED='fast' is not a number" in printed.out + printed.err

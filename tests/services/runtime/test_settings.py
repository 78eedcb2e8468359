"""Service settings: sensible defaults, and a clear word for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.runtime.settings import Settings, SettingsError


def test_defaults(short_tmp: Path) -> None:
    """With only a runtime directory set, everything else has a default."""
    settings = Settings.from_env(
        "scheduler", {"SQUADTIME_RUNTIME_DIR": str(short_tmp), "HOME": "/h"}
    )
    assert settings.data_dir == Path("/h/.local/share/squadtime")
    assert settings.heartbeat_interval == 5.0
    assert settings.log_level == "INFO"
    assert settings.endpoints.publish.startswith("ipc://")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SQUADTIME_HEARTBEAT_SECONDS", "soon", "is not a number of seconds"),
        ("SQUADTIME_HEARTBEAT_SECONDS", "0", "between 0 and 3600"),
        ("SQUADTIME_DRAIN_SECONDS", "-1", "between 0 and 3600"),
        ("SQUADTIME_LOG_LEVEL", "LOUD", "use DEBUG, INFO, WARNING or ERROR"),
        ("SQUADTIME_BUS_PUBLISH", "tcp://127.0.0.1:9", "without CurveZMQ"),
    ],
)
def test_bad_values_are_named(short_tmp: Path, name: str, value: str, message: str) -> None:
    """Each malformed setting is refused with its name and what would be right."""
    with pytest.raises(SettingsError, match=message):
        Settings.from_env("voice", {"SQUADTIME_RUNTIME_DIR": str(short_tmp), name: value})

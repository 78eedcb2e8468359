"""The open interactions file: tokens kept across restarts for 15 minutes, privately."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from services.gateway.pending import TOKEN_LIFETIME, OpenInteractions

TOKEN = "aW50ZXJhY3Rpb246c2VjcmV0LXRva2Vu"


class Clock:
    """Wall-clock time that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_token_lives_fifteen_minutes_across_restarts(tmp_path: Path) -> None:
    """A token is found again after a restart until Discord's 15 minutes are over, then dropped."""
    path, clock = tmp_path / "gateway" / "interactions.json", Clock()
    OpenInteractions(path, clock).add(7, TOKEN, channel_id=3)
    clock.now += TOKEN_LIFETIME - 1
    found = OpenInteractions(path, clock).get(7)
    assert found is not None
    assert (found.token, found.channel_id) == (TOKEN, 3)
    clock.now += 2
    assert OpenInteractions(path, clock).get(7) is None
    assert TOKEN not in path.read_text()


def test_placeholder_survives_a_restart(tmp_path: Path) -> None:
    """A deferred interaction is still known to wait for its placeholder after a restart."""
    path, clock = tmp_path / "interactions.json", Clock()
    first = OpenInteractions(path, clock)
    first.add(7, TOKEN, channel_id=3)
    first.set_placeholder(7, True)
    found = OpenInteractions(path, clock).get(7)
    assert found is not None
    assert found.placeholder


def test_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    """The file and its folder are the bot user's alone; no temporary file is left behind."""
    folder = tmp_path / "gateway"
    pending = OpenInteractions(folder / "interactions.json", Clock())
    for interaction_id in range(5):
        pending.add(interaction_id, f"{TOKEN}{interaction_id}", channel_id=3)
    assert (folder / "interactions.json").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in folder.iterdir()] == ["interactions.json"]


def test_damaged_file_is_ignored_without_printing_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A truncated file costs its follow-ups, not the gateway; the warning quotes no token."""
    path = tmp_path / "interactions.json"
    path.write_text('{"interactions": {"7": {"token": "' + TOKEN + '", "channel_id": ')
    with caplog.at_level(logging.WARNING):
        pending = OpenInteractions(path, Clock())
    assert pending.get(7) is None
    assert "ignoring unreadable open interactions" in caplog.text
    assert TOKEN not in caplog.text
    pending.add(8, TOKEN, channel_id=3)
    assert OpenInteractions(path, Clock()).get(8) is not None

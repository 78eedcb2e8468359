"""The open interactions file: tokens kept across restarts for 15 minutes, privately."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from services.gateway.pending import TOKEN_LIFETIME, OpenInteractions
from tests.helpers import HandClock

TOKEN = "aW50ZXJhY3Rpb246c2VjcmV0LXRva2Vu"


def test_token_lives_fifteen_minutes_across_restarts(tmp_path: Path) -> None:
    """A token is found again after a restart until Discord's 15 minutes are over, then dropped."""
    path, clock = tmp_path / "gateway" / "interactions.json", HandClock(1_800_000_000.0)
    OpenInteractions(path, clock).add(7, TOKEN, channel_id=3)
    clock.t += TOKEN_LIFETIME - 1
    found = OpenInteractions(path, clock).get(7)
    assert found is not None
    assert (found.token, found.channel_id) == (TOKEN, 3)
    clock.t += 2
    assert OpenInteractions(path, clock).get(7) is None
    assert TOKEN not in path.read_text()


def test_placeholder_survives_a_restart(tmp_path: Path) -> None:
    """A deferred interaction is still known to wait for its placeholder after a restart."""
    path, clock = tmp_path / "interactions.json", HandClock(1_800_000_000.0)
    first = OpenInteractions(path, clock)
    first.add(7, TOKEN, channel_id=3)
    first.set_placeholder(7, True)
    found = OpenInteractions(path, clock).get(7)
    assert found is not None
    assert found.placeholder


def test_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    """The file and its folder are the bot user's alone; no temporary file is left behind."""
    folder = tmp_path / "gateway"
    pending = OpenInteractions(folder / "interactions.json", HandClock(1_800_000_000.0))
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
        pending = OpenInteractions(path, HandClock(1_800_000_000.0))
    assert pending.get(7) is None
    assert "ignoring unreadable open interactions" in caplog.text
    assert TOKEN not in caplog.text
    pending.add(8, TOKEN, channel_id=3)
    assert OpenInteractions(path, HandClock(1_800_000_000.0)).get(8) is not None

"""nextcord's heartbeat lag warning: kept when real, dropped when it measured a whole interval."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

import nextcord.gateway
import pytest

from services.runtime.discord import BEHIND, HEARTBEAT_INTERVAL, MismeasuredLag


def test_the_filter_knows_nextcords_wording() -> None:
    """The warning the filter looks for is the one nextcord's keep-alive thread logs."""
    assert BEHIND in inspect.getsource(nextcord.gateway.KeepAliveHandler)


@pytest.fixture
def gateway_log() -> Iterator[logging.Logger]:
    """A logger standing for nextcord's gateway one, with the filter on it."""
    logger = logging.getLogger("tests.nextcord.gateway")
    lag = MismeasuredLag()
    logger.addFilter(lag)
    yield logger
    logger.removeFilter(lag)


@pytest.mark.parametrize(
    ("lag", "kept"),
    [
        (HEARTBEAT_INTERVAL + 0.05, False),  # measured from the previous heartbeat
        (HEARTBEAT_INTERVAL - 0.5, False),
        (12.0, True),  # a real lag
        (HEARTBEAT_INTERVAL + 5.0, True),
    ],
)
def test_only_a_lag_of_one_whole_interval_is_dropped(
    gateway_log: logging.Logger, caplog: pytest.LogCaptureFixture, lag: float, kept: bool
) -> None:
    """A lag within a second of the heartbeat interval is nextcord's mismeasure; others stay."""
    gateway_log.warning(BEHIND, None, lag)
    gateway_log.warning("Shard ID %s has stopped responding to the gateway.", None)
    messages = [r.getMessage() for r in caplog.records]
    assert (f"websocket is {lag:.1f}s behind." in "\n".join(messages)) is kept
    assert "Shard ID None has stopped responding to the gateway." in messages

"""Timeouts told truly and once: slow when the service was heard from lately, down when not."""

from __future__ import annotations

import logging

import pytest

from bus.errors import BusError, RemoteError, RequestTimeout, Verdict, log_level
from bus.liveness import Liveness
from tests.helpers import HandClock


@pytest.fixture
def clock() -> HandClock:
    """The monotonic clock, moved by hand."""
    return HandClock(1_000.0)


@pytest.fixture
def liveness(clock: HandClock) -> Liveness:
    return Liveness(window=15.0, report_every=60.0, clock=clock)


def told(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    """What the liveness logger said at ``level`` or above."""
    return [
        r.getMessage() for r in caplog.records if r.name == "bus.liveness" and r.levelno >= level
    ]


def test_a_timeout_from_a_service_heard_lately_is_slow_with_its_figures(
    liveness: Liveness, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A heartbeat 2 s ago: the timeout is 'slow', at INFO, with the deadline and the age."""
    caplog.set_level(logging.DEBUG)
    liveness.listen("gateway")
    liveness.heard("gateway")
    clock.t += 2.0
    error = liveness.timed_out("gateway", "add_reactions", 4.3)
    assert error.verdict is Verdict.SLOW
    assert told(caplog) == [
        "the gateway service did not answer 'add_reactions' within 4.3 s:"
        " it is slow (heard from 2.0 s ago)"
    ]
    assert told(caplog, logging.WARNING) == []
    assert "running" not in str(error)


def test_a_timeout_from_a_silent_service_says_it_is_not_running(
    liveness: Liveness, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """No heartbeat for longer than the window: a WARNING that it is not running."""
    liveness.listen("telemetry")
    liveness.heard("telemetry")
    clock.t += 31.0
    error = liveness.timed_out("telemetry", "get_day_state", 2.0)
    assert error.verdict is Verdict.DOWN
    assert told(caplog, logging.WARNING) == [
        "the telemetry service did not answer 'get_day_state' within 2.0 s:"
        " it is not running (no heartbeat for 31 s)"
    ]


def test_a_service_never_heard_is_starting_then_down(
    liveness: Liveness, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Never heard: 'may be starting' while listened for less than a window, then down."""
    liveness.listen("gateway")
    clock.t += 5.0
    assert liveness.timed_out("gateway", "fetch_guilds", 5.0).verdict is Verdict.STARTING
    assert told(caplog, logging.WARNING) == []
    clock.t += 15.0
    error = liveness.timed_out("gateway", "fetch_guilds", 5.0)
    assert error.verdict is Verdict.DOWN
    assert told(caplog, logging.WARNING) == [
        "the gateway service did not answer 'fetch_guilds' within 5.0 s:"
        " it is not running (no heartbeat from it at all)"
    ]


def test_a_burst_of_slow_answers_gives_one_line_then_one_per_interval(
    liveness: Liveness, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """29 timeouts while the gateway beats: one INFO line; the next, a minute on, counts them."""
    caplog.set_level(logging.INFO)
    liveness.listen("gateway")
    for _ in range(29):
        liveness.heard("gateway")  # its heartbeats keep coming
        clock.t += 1.0
        liveness.timed_out("gateway", "add_reactions", 4.3)
    assert len(told(caplog)) == 1
    clock.t += 60.0
    liveness.heard("gateway")
    liveness.timed_out("gateway", "add_reactions", 4.3)
    lines = told(caplog)
    assert len(lines) == 2
    assert lines[1].endswith("(28 more such timeouts in the last 88 s)")


def test_each_service_and_each_change_of_verdict_is_told(
    liveness: Liveness, clock: HandClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Slow gateway and slow telemetry each get their line; the gateway falling silent is told
    at once, and so is its first sign of life after that."""
    caplog.set_level(logging.INFO)
    for service in ("gateway", "telemetry"):
        liveness.listen(service)
        liveness.heard(service)
        liveness.timed_out(service, "ping", 2.0)
    clock.t += 20.0
    liveness.timed_out("gateway", "ping", 2.0)
    clock.t += 10.0
    liveness.heard("gateway")
    lines = told(caplog)
    assert [line.split(":")[1].strip() for line in lines[:3]] == [
        "it is slow (heard from 0.0 s ago)",
        "it is slow (heard from 0.0 s ago)",
        "it is not running (no heartbeat for 20 s)",
    ]
    assert lines[3] == "the gateway service is heard from again after 30 s of silence"


def test_callers_repeat_a_told_timeout_only_at_debug(liveness: Liveness) -> None:
    """A timeout the bus has told is DEBUG for the caller; other errors keep their level."""
    told_timeout = liveness.timed_out("gateway", "ping", 2.0)
    assert log_level(told_timeout) == logging.DEBUG
    untold: BusError = RequestTimeout("gateway", "ping", 2.0)
    assert log_level(untold) == logging.WARNING
    assert log_level(RemoteError("gateway", "internal", "boom"), logging.INFO) == logging.INFO

"""A silence in the gateway's heartbeats, or a new gateway, means events may be lost."""

from __future__ import annotations

from services.scheduler.pulse import MISSED_BEATS, Pulse


def test_regular_heartbeats_raise_nothing() -> None:
    """Beats a little late but within the allowance are fine; the first beat is too."""
    pulse = Pulse(interval=5.0)
    assert not pulse.beat(100.0, started=1.0)
    assert not pulse.beat(106.0, started=1.0)
    assert not pulse.beat(106.0 + MISSED_BEATS * 5.0, started=1.0)


def test_a_long_silence_is_a_gap() -> None:
    """More than a few heartbeats missing: the broker or the connection was down."""
    pulse = Pulse(interval=5.0)
    pulse.beat(100.0, started=1.0)
    assert pulse.beat(100.0 + MISSED_BEATS * 5.0 + 0.1, started=1.0)
    assert not pulse.beat(105.0 + MISSED_BEATS * 5.0, started=1.0)


def test_a_restarted_gateway_is_a_gap() -> None:
    """A heartbeat from a gateway that started anew, however soon."""
    pulse = Pulse(interval=5.0)
    pulse.beat(100.0, started=1.0)
    assert pulse.beat(101.0, started=2.0)


def test_a_subscriber_that_connected_again_is_a_gap() -> None:
    """A broker restart quicker than the heartbeats still shows: the subscriber reconnected."""
    pulse = Pulse(interval=5.0)
    pulse.beat(100.0, started=1.0, connections=1)
    assert not pulse.beat(105.0, started=1.0, connections=1)
    assert pulse.beat(106.0, started=1.0, connections=2)
    assert not pulse.beat(111.0, started=1.0, connections=2)

"""Telling a slow service from a dead one, and saying which once rather than per request.

A request that times out proves only that no answer came in time. Every service
publishes a heartbeat every few seconds (``services.runtime.service``), and any
answer it sends is as good a sign of life: a service heard from within the
liveness window is running and merely slow (the gateway paced by Discord's rate
limits, telemetry working through a backlog). Only a service silent for longer
than the window is said to be down. One that has sent nothing since this
process began to listen for it, less than a window ago, may be starting: that
is said, without calling it down.

A slow service makes every request queued behind it time out, dozens a minute;
a line each would bury the log. So each service gets one line per verdict and
``report_every`` seconds, with the figure (the deadline that passed, how long
ago it was heard from) and how many timeouts the line stands for; the rest go
to DEBUG. A change of verdict is said at once, and so is a service heard from
again after it was said to be down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bus.clock import STEADY, Clock
from bus.errors import RequestTimeout, Verdict

log = logging.getLogger(__name__)

REPORT_EVERY = 60.0  # seconds between two lines about one service with the same verdict
WINDOW = 15.0  # seconds of silence before a service is said to be down: three heartbeats


@dataclass(slots=True)
class _Told:
    verdict: Verdict
    at: float  # when the line was logged
    since: int = 0  # timeouts folded into the next line


class Liveness:
    """When each service was last heard from, and the one line a timeout is worth."""

    def __init__(
        self,
        window: float = WINDOW,
        *,
        report_every: float = REPORT_EVERY,
        clock: Clock = STEADY,
    ) -> None:
        self.window = window
        self._report_every = report_every
        self._clock = clock
        self._heard: dict[str, float] = {}
        self._listening: dict[str, float] = {}  # service -> since when its heartbeats come
        self._told: dict[str, _Told] = {}

    def listen(self, service: str) -> bool:
        """Note that heartbeats from ``service`` are now received; False if they already were."""
        if service in self._listening:
            return False
        self._listening[service] = self._clock.now()
        return True

    def heard(self, service: str) -> None:
        """``service`` sent a heartbeat or an answer: it is running."""
        now = self._clock.now()
        last = self._heard.get(service)
        self._heard[service] = now
        told = self._told.get(service)
        if told is not None and told.verdict is Verdict.DOWN:
            del self._told[service]
            silence = f" after {now - last:.0f} s of silence" if last is not None else ""
            log.info("the %s service is heard from again%s", service, silence)

    def silent_for(self, service: str) -> float | None:
        """Seconds since ``service`` was last heard from; None if it never was."""
        last = self._heard.get(service)
        return None if last is None else self._clock.now() - last

    def verdict(self, service: str) -> Verdict:
        """What a timeout of a request to ``service`` says about it now."""
        silent = self.silent_for(service)
        if silent is not None:
            return Verdict.SLOW if silent <= self.window else Verdict.DOWN
        listening = self._clock.now() - self._listening.get(service, self._clock.now())
        return Verdict.STARTING if listening < self.window else Verdict.DOWN

    def timed_out(self, target: str, request: str, timeout: float) -> RequestTimeout:
        """Log what a request to ``target`` that got no answer says, at most once per
        ``report_every`` for the same verdict; the error to raise to the requester."""
        verdict = self.verdict(target)
        error = RequestTimeout(target, request, timeout, self.silent_for(target), verdict)
        now = self._clock.now()
        told = self._told.get(target)
        if told is not None and told.verdict is verdict and now - told.at < self._report_every:
            told.since += 1
            log.debug("%s", error)
            return error
        more = ""
        if told is not None and told.verdict is verdict and told.since:
            more = f" ({told.since} more such timeouts in the last {now - told.at:.0f} s)"
        self._told[target] = _Told(verdict, now)
        log.log(verdict.level, "%s%s", error, more)
        return error

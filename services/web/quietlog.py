"""A warning that an attacker can repeat at will, written once per interval with a count.

A forged cookie or a flood of connections is worth one line to the owner, not one per
request: a line per request lets anyone fill the log (and the Pi's card) at will.
"""

from __future__ import annotations

import logging

from bus.clock import STEADY, Clock

INTERVAL = 60.0


class QuietLog:
    """``note()`` writes ``message`` at most once per ``interval`` seconds, saying how many
    more there were since the last line."""

    def __init__(
        self,
        logger: logging.Logger,
        message: str,
        interval: float = INTERVAL,
        clock: Clock = STEADY,
    ) -> None:
        self._logger = logger
        self._message = message
        self._interval = interval
        self._clock = clock
        self._last = -interval
        self._since = 0
        self.total = 0
        """Every occurrence, written or not."""

    def note(self, level: int = logging.WARNING) -> None:
        self.total += 1
        now = self._clock.now()
        if now - self._last < self._interval:
            self._since += 1
            return
        more, self._since, self._last = self._since, 0, now
        if more:
            self._logger.log(
                level, "%s (and %d more in the last %.0f s)", self._message, more, self._interval
            )
        else:
            self._logger.log(level, "%s", self._message)

"""What the bus raises to the code that uses it, and every error code a service answers with."""

from __future__ import annotations

import logging
from enum import StrEnum


class ErrorCode(StrEnum):
    """The ``code`` of an ``ErrorReply``: stable, for programs (the message is for people).

    Codes starting ``bad_`` (and Discord's, ``discord_<number>``) mean the request itself was
    wrong: the person who caused it is told why. The others say a service could not serve.
    """

    BAD_REQUEST = "bad_request"  # malformed or impossible
    BAD_ABSENCE = "bad_absence"
    BAD_DATE = "bad_date"
    BAD_EMOJI = "bad_emoji"
    BAD_HOUR = "bad_hour"
    BAD_PATH = "bad_path"
    BAD_PERIOD = "bad_period"
    BAD_MINUTES = "bad_minutes"
    BAD_POST_TIME = "bad_post_time"
    BAD_QUORUM = "bad_quorum"
    BAD_SOURCE = "bad_source"
    BAD_TIMEZONE = "bad_timezone"
    BAD_WEEKDAY = "bad_weekday"
    BAD_WINDOW = "bad_window"
    OPTED_OUT = "opted_out"  # the member opted out of telemetry
    UNKNOWN_REQUEST = "unknown_request"  # the service does not serve this request
    UNAVAILABLE = "unavailable"  # starting; try again
    NOT_READY = "not_ready"  # the gateway is still connecting to Discord
    BACKUP_FAILED = "backup_failed"
    NO_DATA = "no_data"  # nothing recorded yet to answer from (a graph of no voice activity)
    PROTOCOL = "protocol"  # the answer was not the reply the request expects


DISCORD_PREFIX = "discord_"


def discord_error(code: int | str) -> str:
    """The code for Discord's error ``code`` (a JSON error code, or an HTTP status)."""
    return f"{DISCORD_PREFIX}{code}"


UNKNOWN_MESSAGE = discord_error(10008)  # Discord: the message was deleted
INVALID_WEBHOOK_TOKEN = discord_error(50027)  # Discord: an interaction token expired
CANNOT_MESSAGE_USER = discord_error(50007)  # Discord: the user does not accept the bot's DMs


def caused_by_request(code: str) -> bool:
    """Whether ``code`` says the request was wrong (rather than a service unable to serve)."""
    return code.startswith(("bad_", DISCORD_PREFIX))


class BusError(Exception):
    """Base of the bus's errors."""


class BusUnavailable(BusError):
    """The broker could not be reached in time."""


class Verdict(StrEnum):
    """What a request's timeout says about the service that did not answer (``bus.liveness``)."""

    SLOW = "slow"  # heard from within the liveness window: running, only slow
    STARTING = "starting"  # not heard from yet, listened for less than a window
    DOWN = "down"  # silent for longer than the window

    @property
    def level(self) -> int:
        """Only a service that is down is a problem for the operator; the others pass."""
        return logging.WARNING if self is Verdict.DOWN else logging.INFO


class RequestTimeout(BusError):
    """A request got no reply before its deadline; ``verdict`` says whether the service is
    running (slow), may be starting, or is down, from when it was last heard from."""

    def __init__(
        self,
        target: str,
        request: str,
        timeout: float,
        silent_for: float | None = None,
        verdict: Verdict | None = None,
    ) -> None:
        said = f"the {target} service did not answer {request!r} within {timeout:.1f} s"
        match verdict:
            case Verdict.SLOW:
                said += f": it is slow (heard from {silent_for or 0.0:.1f} s ago)"
            case Verdict.STARTING:
                said += ": no heartbeat from it yet; it may be starting"
            case Verdict.DOWN if silent_for is None:
                said += ": it is not running (no heartbeat from it at all)"
            case Verdict.DOWN:
                said += f": it is not running (no heartbeat for {silent_for:.0f} s)"
            case None:
                pass
        super().__init__(said)
        self.target = target
        self.request = request
        self.timeout = timeout
        self.silent_for = silent_for
        self.verdict = verdict


def log_level(error: BusError, level: int = logging.WARNING) -> int:
    """The level for a caller's own line about ``error``: ``level``, but DEBUG for a timeout,
    which the bus client has already told (slow, starting or down: once per service and
    interval, not once per request)."""
    told = isinstance(error, RequestTimeout) and error.verdict is not None
    return logging.DEBUG if told else level


class RemoteError(BusError):
    """The service answered the request with an error."""

    def __init__(self, target: str, code: str, message: str) -> None:
        super().__init__(f"{target}: {message} [{code}]")
        self.target = target
        self.code = code
        self.message = message


class RequestRefused(BusError):
    """Raised by a request handler to answer with a typed error reply.

    ``code`` is an :class:`ErrorCode` (or a Discord code, :func:`discord_error`), meant for
    programs; ``message`` is meant for the person who caused the request.
    """

    def __init__(self, code: ErrorCode | str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

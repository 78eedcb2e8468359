"""What the bus raises to the code that uses it."""

from __future__ import annotations


class BusError(Exception):
    """Base of the bus's errors."""


class BusUnavailable(BusError):
    """The broker could not be reached in time."""


class RequestTimeout(BusError):
    """A request got no reply before its deadline: the service is down or overloaded."""

    def __init__(self, target: str, request: str, timeout: float) -> None:
        super().__init__(
            f"the {target} service did not answer {request!r} within {timeout:.1f} s;"
            f" is it running?"
        )
        self.target = target
        self.request = request
        self.timeout = timeout


class RemoteError(BusError):
    """The service answered the request with an error."""

    def __init__(self, target: str, code: str, message: str) -> None:
        super().__init__(f"{target}: {message} [{code}]")
        self.target = target
        self.code = code
        self.message = message


class RequestRefused(BusError):
    """Raised by a request handler to answer with a typed error reply.

    ``code`` is stable and meant for programs (``bad_request``, ``not_found``…);
    ``message`` is meant for the person who caused the request.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

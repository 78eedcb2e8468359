"""The admin CLI's one error type, and the exit codes it maps to."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """Exit statuses every subcommand shares (listed in ``--help``)."""

    OK = 0
    FAILED = 1
    """The action ran and the answer is "no": unhealthy fleet, tests failed, rolled back."""
    USAGE = 2
    """Bad input: unknown service, missing file, malformed option."""
    UNREACHABLE = 3
    """The fleet (supervisord, the bus) or the SSH host could not be reached."""


class AdminError(Exception):
    """An action could not be done; the message is for the person at the keyboard."""

    def __init__(self, message: str, code: Exit = Exit.FAILED) -> None:
        super().__init__(message)
        self.code = code

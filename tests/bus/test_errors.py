"""Error codes: one enumeration, Discord's codes beside it, and which codes blame the request."""

from __future__ import annotations

import pytest

from bus.errors import (
    INVALID_WEBHOOK_TOKEN,
    UNKNOWN_MESSAGE,
    ErrorCode,
    RequestRefused,
    caused_by_request,
    discord_error,
)


def test_codes_are_the_strings_on_the_wire() -> None:
    """A StrEnum: the wire carries the plain string, and a refusal keeps it."""
    refusal = RequestRefused(ErrorCode.BAD_PERIOD, "a period is 1 to 366 days")
    assert refusal.code == "bad_period"
    assert discord_error(10008) == UNKNOWN_MESSAGE == "discord_10008"
    assert INVALID_WEBHOOK_TOKEN == "discord_50027"


@pytest.mark.parametrize(
    ("code", "blamed"),
    [
        (ErrorCode.BAD_REQUEST, True),
        (ErrorCode.BAD_TIMEZONE, True),
        (discord_error(50035), True),
        (ErrorCode.UNAVAILABLE, False),
        (ErrorCode.NOT_READY, False),
        (ErrorCode.BACKUP_FAILED, False),
        ("from_a_newer_service", False),
    ],
)
def test_which_codes_say_the_request_was_wrong(code: str, blamed: bool) -> None:
    """bad_* and Discord's own codes tell the person why; the rest say try again."""
    assert caused_by_request(code) is blamed


def test_every_code_is_unique() -> None:
    """No two names share a code."""
    assert len({code.value for code in ErrorCode}) == len(ErrorCode)

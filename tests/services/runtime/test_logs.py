"""Secrets never reach a log line, whatever path they take."""

from __future__ import annotations

import io
import logging

from services.runtime.logs import REDACTED, RedactingFilter

TOKEN = "MTA5.fake.token-value"


def _logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    redactor = RedactingFilter()
    redactor.add(TOKEN)
    handler.addFilter(redactor)
    logger = logging.getLogger("test.redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    return logger, stream


def test_token_in_arguments_is_redacted() -> None:
    """A token passed as a %-argument is replaced."""
    logger, stream = _logger()
    logger.warning("connecting with %s", TOKEN)
    assert TOKEN not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_token_in_traceback_is_redacted() -> None:
    """A token inside an exception's text is replaced in the printed traceback too."""
    logger, stream = _logger()
    error = ValueError(f"bad header Authorization: Bot {TOKEN}")
    logger.error("request failed", exc_info=(ValueError, error, None))
    assert TOKEN not in stream.getvalue()
    assert "bad header Authorization: Bot [redacted]" in stream.getvalue()

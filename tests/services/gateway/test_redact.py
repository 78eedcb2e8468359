"""Interaction tokens are recognised by where they stand in a log line, and hidden."""

from __future__ import annotations

import logging

import pytest

from services.gateway.redact import InteractionTokenFilter, without_tokens

TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTA-_x"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            f"POST http://127.0.0.1:1/api/v10/interactions/42/{TOKEN}/callback has returned 204",
            "POST http://127.0.0.1:1/api/v10/interactions/42/[redacted]/callback has returned 204",
        ),
        (
            f"PATCH /api/v10/webhooks/9/{TOKEN}/messages/@original",
            "PATCH /api/v10/webhooks/9/[redacted]/messages/@original",
        ),
        (f"/webhooks/9/{TOKEN}?wait=true", "/webhooks/9/[redacted]?wait=true"),
        (
            f'{{"t":"INTERACTION_CREATE","d":{{"id":"42","token":"{TOKEN}","type":2}}}}',
            '{"t":"INTERACTION_CREATE","d":{"id":"42","token":"[redacted]","type":2}}',
        ),
        (f"{{'token': '{TOKEN}'}}", "{'token': '[redacted]'}"),
        ("GET /api/v10/channels/5/messages/6", "GET /api/v10/channels/5/messages/6"),
    ],
)
def test_tokens_in_urls_and_fields_are_hidden(line: str, shown: str) -> None:
    """URLs of callbacks and follow-ups and ``token`` fields lose the token, nothing else."""
    assert without_tokens(line) == shown


def _fail_with_url() -> None:
    raise RuntimeError(f"/interactions/42/{TOKEN}/callback failed")


def test_filter_hides_tokens_in_arguments_and_tracebacks() -> None:
    """A record's %-arguments and its traceback are both cleaned."""
    try:
        _fail_with_url()
    except RuntimeError as error:
        record = logging.LogRecord(
            "nextcord.http", logging.ERROR, __file__, 1, "%s %s", ("POST", str(error)), None
        )
        record.exc_info = (type(error), error, error.__traceback__)
    InteractionTokenFilter().filter(record)
    assert TOKEN not in record.getMessage()
    assert record.exc_text is not None
    assert TOKEN not in record.exc_text

"""Interaction tokens kept out of the log, whoever would print them.

The runtime's redactor replaces secrets it knows. Interaction tokens are
new with every interaction, and nextcord prints them at DEBUG before the
gateway has seen them: inside the raw INTERACTION_CREATE event (a
``"token"`` field) and in the URLs of callbacks and follow-ups. They are
recognised by where they stand instead.
"""

from __future__ import annotations

import logging
import re

from services.runtime.logs import REDACTED

_TOKEN = re.compile(
    r"""(?P<keep>/interactions/\d+/|/webhooks/\d+/|["']token["']\s*:\s*["'])[^/\s"'?&]+"""
)


def without_tokens(text: str) -> str:
    """``text`` with every interaction (or bot) token that stands in a URL or a token field."""
    return _TOKEN.sub(rf"\g<keep>{REDACTED}", text)


class InteractionTokenFilter(logging.Filter):
    """Redacts interaction tokens in each record's final text and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = without_tokens(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_tokens(record.exc_text)
        return True


def redact_interaction_tokens(logger: logging.Logger) -> None:
    """Put the filter on every handler of ``logger`` (the root logger: every line printed)."""
    for handler in logger.handlers:
        if not any(isinstance(f, InteractionTokenFilter) for f in handler.filters):
            handler.addFilter(InteractionTokenFilter())

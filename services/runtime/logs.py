"""Logging to stdout (supervisord keeps and rotates the files), with secrets redacted."""

from __future__ import annotations

import logging
import sys

REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """Replaces every registered secret in a record's final text.

    Services register their token as soon as they read it, so no code path
    (a library's debug line, a traceback with a URL) can print it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """Never let ``secret`` reach the log."""
        if secret:
            self._secrets.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc_text = record.exc_text or ""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
            exc_text = exc_text.replace(secret, REDACTED)
        record.msg, record.args = text, None
        record.exc_text = exc_text or None
        return True


def configure_logging(service: str, level: str) -> RedactingFilter:
    """Send every log line to stdout with the service's name; return the redactor."""
    redactor = RedactingFilter()
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(redactor)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return redactor

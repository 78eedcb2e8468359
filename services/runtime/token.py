"""The bot's token: from ``DISCORD_TOKEN`` or the file named by ``DISCORD_TOKEN_FILE``.

Production and test bots differ only by this token, so it is read at start
and never written anywhere: the caller registers it with the log redactor.
The gateway and the voice service each open a session of their own with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from services.runtime.settings import SettingsError

TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 -- a variable name, not a secret
TOKEN_FILE_ENV = "DISCORD_TOKEN_FILE"  # noqa: S105


class TokenError(SettingsError):
    """No usable token; the message says where one was looked for."""


def load_token(env: Mapping[str, str]) -> str:
    """The token from the environment (the variable wins over the file)."""
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return token
    file = env.get(TOKEN_FILE_ENV, "").strip()
    if not file:
        raise TokenError(f"no bot token: set {TOKEN_ENV} or {TOKEN_FILE_ENV}")
    try:
        token = Path(file).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise TokenError(f"{TOKEN_FILE_ENV}={file!r} cannot be read: {error.strerror}") from None
    if not token:
        raise TokenError(f"{TOKEN_FILE_ENV}={file!r} is empty")
    return token

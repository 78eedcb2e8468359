"""The session cookie's storage: aiohttp-session's encrypted cookie, with refusals logged
once a minute rather than once per request."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet, InvalidToken

from services.web.quietlog import QuietLog

log = logging.getLogger(__name__)


class SessionCookies(EncryptedCookieStorage):
    """Sessions in a Fernet-encrypted cookie that expires after ``max_age`` seconds.

    aiohttp-session's own storage writes a WARNING for every cookie it cannot decrypt, so a
    loop of forged cookies writes a log line each; here they are counted, and written once
    per ``QuietLog`` interval. A refused cookie is a fresh, empty session, as there.
    """

    def __init__(self, fernet: Fernet, *, cookie_name: str, max_age: int, secure: bool) -> None:
        super().__init__(
            fernet,
            cookie_name=cookie_name,
            max_age=max_age,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
        self._key = fernet
        self.refused = QuietLog(
            log, "refused a session cookie that was not ours (tampered, or from an old key)"
        )

    async def load_session(self, request: web.Request) -> Session:
        cookie = self.load_cookie(request)
        if cookie is None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        try:
            # Fernet's ``ttl`` refuses a token older than the session's life, whatever the
            # cookie's own expiry says (a cookie can be copied with any expiry).
            data = json.loads(self._key.decrypt(cookie.encode(), ttl=self.max_age))
        except (InvalidToken, ValueError):
            self.refused.note()
            return Session(None, data=None, new=True, max_age=self.max_age)
        return Session(None, data=data, new=False, max_age=self.max_age)

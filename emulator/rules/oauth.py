"""Discord's OAuth2 authorization-code grant, as the emulator keeps it: the application's
client secret and registered redirects, the codes handed out and the bearer tokens they
became.

Facts (Discord's docs, Topics > OAuth2, discord/discord-api-docs ``docs/topics/oauth2.mdx``):
the authorize URL is ``/oauth2/authorize`` (outside ``/api``) with ``response_type=code``,
``client_id``, ``scope`` (space-separated), ``redirect_uri`` ("whatever URL you registered")
and an optional ``state`` returned as is; the token URL takes only
``application/x-www-form-urlencoded``, with ``grant_type=authorization_code``, ``code`` and
``redirect_uri``, the client's id and secret in HTTP Basic or in the form; it answers
``access_token``, ``token_type: "Bearer"``, ``expires_in: 604800``, ``refresh_token`` and
``scope``. A code is single-use and lives 100 seconds (a Discord engineer,
discord/discord-api-docs#2526); a bad one is 400 ``invalid_grant`` 'Invalid "code" in
request.' (discord/discord-api-docs#5579); a wrong client id or secret is 401
``{"error": "invalid_client"}`` (discord/discord-api-docs#910, markbates/goth#183).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CODE_LIFETIME = 100.0
TOKEN_LIFETIME = 604_800
SCOPES = frozenset({"identify", "guilds", "email", "guilds.members.read", "connections"})


@dataclass(frozen=True, slots=True)
class Grant:
    """What one code or token stands for: a user's consent to these scopes."""

    user_id: int
    scopes: frozenset[str]
    redirect_uri: str
    expires: float


class OAuthError(Exception):
    """A refusal of the token endpoint, in RFC 6749's terms (``error``, its description)."""

    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(description or error)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        found = {"error": self.error}
        if self.description:
            found["error_description"] = self.description
        return found


@dataclass(slots=True)
class OAuthApp:
    """The bot's application as an OAuth2 client."""

    client_id: int
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    redirect_uris: set[str] = field(default_factory=set)
    clock: Callable[[], float] = time.monotonic
    """Codes and tokens expire on real time (timers, not calendar time)."""
    _codes: dict[str, Grant] = field(default_factory=dict)
    _tokens: dict[str, Grant] = field(default_factory=dict)

    def check_authorize(self, client_id: str, redirect_uri: str, scope: str) -> frozenset[str]:
        """The scopes asked for, or a ValueError saying what is wrong with the request."""
        if client_id != str(self.client_id):
            raise ValueError("Unknown application (client_id)")
        if redirect_uri not in self.redirect_uris:
            raise ValueError("Invalid OAuth2 redirect_uri")
        scopes = frozenset(scope.split())
        if not scopes or not scopes <= SCOPES:
            raise ValueError(f"Invalid scope: {scope!r}")
        return scopes

    def issue_code(self, user_id: int, scopes: frozenset[str], redirect_uri: str) -> str:
        code = secrets.token_urlsafe(22)
        self._codes[code] = Grant(user_id, scopes, redirect_uri, self.clock() + CODE_LIFETIME)
        return code

    def exchange(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict[str, str | int]:
        """The token response for an authorization-code grant, or an OAuthError."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client_id != str(self.client_id) or not secrets.compare_digest(
            secret, self.client_secret
        ):
            raise OAuthError(401, "invalid_client")
        grant_type = form.get("grant_type", "")
        if grant_type != "authorization_code":
            raise OAuthError(400, "unsupported_grant_type")
        code = form.get("code", "")
        grant = self._codes.pop(code, None)  # single use, good or bad
        if grant is None or grant.expires < self.clock():
            raise OAuthError(400, "invalid_grant", 'Invalid "code" in request.')
        if form.get("redirect_uri", "") != grant.redirect_uri:
            raise OAuthError(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
        token = secrets.token_urlsafe(22)
        self._tokens[token] = Grant(
            grant.user_id, grant.scopes, grant.redirect_uri, self.clock() + TOKEN_LIFETIME
        )
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": secrets.token_urlsafe(22),
            "scope": " ".join(sorted(grant.scopes)),
        }

    def bearer(self, token: str) -> Grant | None:
        """The grant behind a live bearer token."""
        grant = self._tokens.get(token)
        if grant is None or grant.expires < self.clock():
            return None
        return grant

    def revoke_all(self, user_id: int) -> None:
        """The user deauthorised the application: every token of theirs stops working."""
        for token, grant in list(self._tokens.items()):
            if grant.user_id == user_id:
                del self._tokens[token]

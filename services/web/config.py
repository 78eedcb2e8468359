"""The web program's own settings, read from the environment in ``main()``.

The application's OAuth2 client id and secret come from ``DISCORD_CLIENT_ID`` and
``DISCORD_CLIENT_SECRET`` (or the file named by ``DISCORD_CLIENT_SECRET_FILE``), like the
bot's token; the secret is never logged. Without them the dashboard still serves, and its
login page says what to set.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from services.runtime.settings import DISCORD_API, SettingsError, discord_api
from services.web.connections import PER_ADDRESS, ConnectionLimits
from services.web.pictures import DISCORD_CDN

HOST_ENV = "SQUADTIME_WEB_HOST"
PORT_ENV = "SQUADTIME_WEB_PORT"
PUBLIC_URL_ENV = "SQUADTIME_WEB_PUBLIC_URL"
PER_ADDRESS_ENV = "SQUADTIME_WEB_CONNECTIONS_PER_ADDRESS"
SESSION_KEY_ENV = "SQUADTIME_WEB_SESSION_KEY_FILE"
CLIENT_ID_ENV = "DISCORD_CLIENT_ID"
CLIENT_SECRET_ENV = "DISCORD_CLIENT_SECRET"  # noqa: S105 -- a variable name, not a secret
CLIENT_SECRET_FILE_ENV = "DISCORD_CLIENT_SECRET_FILE"  # noqa: S105
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
CALLBACK_PATH = "/login/callback"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """Where the dashboard listens, how it is reached, and the application it logs in as.

    ``port`` 0 takes any free port; the address bound is written to ``web.url`` in the
    runtime directory either way (the run command and the tests read it there).
    ``public_url`` is the address browsers use (behind a reverse proxy, its https one); by
    default the address bound. ``session_key_file`` holds the cookie key (made on first
    start, 0600); by default ``web-session.key`` in the data directory, so that sessions
    outlive a restart. ``limits`` bound the connections (``services.web.connections``);
    behind a reverse proxy every connection comes from the proxy's address, so its
    ``per_address`` bounds the proxy's pool.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str = ""
    api_base: str = DISCORD_API
    client_id: str = ""
    client_secret: str = ""
    session_key_file: Path | None = None
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)

    def __repr__(self) -> str:
        return (
            f"WebConfig(host={self.host!r}, port={self.port}, public_url={self.public_url!r},"
            f" api_base={self.api_base!r}, client_id={self.client_id!r},"
            " client_secret=[redacted])"
        )

    @property
    def login_configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def authorize_url(self) -> str:
        """Discord's authorize page: ``https://discord.com/oauth2/authorize`` beside its
        ``/api/v10`` (Topics > OAuth2 > OAuth2 URLs); the emulator serves it the same way."""
        root = self.api_base.removesuffix("/v10").removesuffix("/api")
        return f"{root}/oauth2/authorize"

    @property
    def cdn_base(self) -> str:
        """Where avatars and icons are fetched: Discord's CDN beside Discord's API, else the
        root of the API's host (the emulator serves its CDN paths there)."""
        if self.api_base == DISCORD_API:
            return DISCORD_CDN
        return self.api_base.removesuffix("/v10").removesuffix("/api")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebConfig:
        """Read the ``SQUADTIME_WEB_*`` and ``DISCORD_CLIENT_*`` variables."""
        host = env.get(HOST_ENV, "").strip() or DEFAULT_HOST
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise SettingsError(f"{HOST_ENV}={host!r} is not an IP address (127.0.0.1)") from None
        raw_port = env.get(PORT_ENV, "").strip() or str(DEFAULT_PORT)
        if not raw_port.isdigit() or int(raw_port) > 65535:
            raise SettingsError(f"{PORT_ENV}={raw_port!r} is not a port (0 to 65535)")
        public = env.get(PUBLIC_URL_ENV, "").strip().rstrip("/")
        if public and not public.startswith(("http://", "https://")):
            raise SettingsError(f"{PUBLIC_URL_ENV}={public!r} must start with http(s)://")
        client_id = env.get(CLIENT_ID_ENV, "").strip()
        if client_id and not client_id.isdigit():
            raise SettingsError(f"{CLIENT_ID_ENV} must be the application's id (digits)")
        key_file = env.get(SESSION_KEY_ENV, "").strip()
        raw_per_address = env.get(PER_ADDRESS_ENV, "").strip() or str(PER_ADDRESS)
        if not raw_per_address.isdigit() or not 1 <= int(raw_per_address) <= 100_000:
            raise SettingsError(f"{PER_ADDRESS_ENV}={raw_per_address!r} is not a count (1 or more)")
        return cls(
            host=host,
            port=int(raw_port),
            public_url=public,
            api_base=discord_api(env),
            client_id=client_id,
            client_secret=_client_secret(env),
            session_key_file=Path(key_file) if key_file else None,
            limits=ConnectionLimits(per_address=int(raw_per_address)),
        )


def _client_secret(env: Mapping[str, str]) -> str:
    secret = env.get(CLIENT_SECRET_ENV, "").strip()
    if secret:
        return secret
    file = env.get(CLIENT_SECRET_FILE_ENV, "").strip()
    if not file:
        return ""
    try:
        secret = Path(file).read_text(encoding="utf-8").strip()
    except OSError as error:
        message = f"{CLIENT_SECRET_FILE_ENV}={file!r} cannot be read: {error.strerror}"
        raise SettingsError(message) from None
    if not secret:
        raise SettingsError(f"{CLIENT_SECRET_FILE_ENV}={file!r} is empty")
    return secret

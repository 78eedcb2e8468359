"""The voice service's own settings, read from the environment in ``main()``.

The token is the bot's (``DISCORD_TOKEN`` or the file named by ``DISCORD_TOKEN_FILE``): the
voice service opens a gateway session of its own with it, only to hold a voice connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.runtime.token import TokenError, load_token

DISCORD_API = "https://discord.com/api/v10"


class VoiceConfigError(Exception):
    """A voice setting is unusable; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    """Who the bot is, where Discord is, and how the bot speaks.

    ``espeak``: the espeak-ng program; ``voice`` and ``speed`` (words per minute) are its
    ``-v`` and ``-s``. ``cooldown``: seconds before the same member is greeted again, in any
    channel. ``ca_file``: an extra certificate to trust for the voice gateway (the emulator's).
    """

    token: str
    api_base: str = DISCORD_API
    espeak: str = "espeak-ng"
    voice: str = "en"
    speed: int = 160
    cooldown: float = 1800.0
    connect_timeout: float = 15.0
    ca_file: str = ""
    guild_ready_timeout: float = 2.0

    def __repr__(self) -> str:
        return f"VoiceConfig(api_base={self.api_base!r}, voice={self.voice!r}, token=[redacted])"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> VoiceConfig:
        """Read ``DISCORD_TOKEN[_FILE]`` and ``SQUADTIME_VOICE_*``; raise VoiceConfigError."""
        api = env.get("SQUADTIME_DISCORD_API", "").strip().rstrip("/") or DISCORD_API
        if not api.startswith(("http://", "https://")):
            raise VoiceConfigError(f"SQUADTIME_DISCORD_API={api!r} must be an http(s) URL")
        ca_file = env.get("SQUADTIME_VOICE_CA_FILE", "").strip()
        if ca_file and not Path(ca_file).is_file():
            raise VoiceConfigError(f"SQUADTIME_VOICE_CA_FILE={ca_file!r} is not a file")
        return cls(
            token=_token(env),
            api_base=api,
            espeak=env.get("SQUADTIME_VOICE_ESPEAK", "").strip() or "espeak-ng",
            voice=env.get("SQUADTIME_VOICE_NAME", "").strip() or "en",
            speed=int(_number(env, "SQUADTIME_VOICE_SPEED", 160, 80, 450)),
            cooldown=_number(env, "SQUADTIME_VOICE_COOLDOWN_SECONDS", 1800.0, 0, 86_400),
            ca_file=ca_file,
        )


def _token(env: Mapping[str, str]) -> str:
    try:
        return load_token(env)
    except TokenError as error:
        raise VoiceConfigError(str(error)) from None


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise VoiceConfigError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise VoiceConfigError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value

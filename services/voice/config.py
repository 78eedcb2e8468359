"""The voice service's own settings, read from the environment in ``main()``.

The token is the bot's (``DISCORD_TOKEN`` or the file named by ``DISCORD_TOKEN_FILE``): the
voice service opens a gateway session of its own with it, only to hold a voice connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.runtime.identify import IDENTIFY_WINDOW
from services.runtime.settings import DISCORD_API, SettingsError, discord_api, number
from services.runtime.sharding import shard_setting
from services.runtime.token import load_token


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    """Who the bot is, where Discord is, and how the bot speaks.

    ``espeak``: the espeak-ng program; ``voice`` and ``speed`` (words per minute) are its
    ``-v`` and ``-s``. ``cooldown``: seconds before the same member is greeted again, in any
    channel. ``ca_file``: an extra certificate to trust for the voice gateway (the emulator's).
    ``shards`` and ``identify_window``: the gateway's own (``SQUADTIME_GATEWAY_SHARDS``, one
    count for both programs; see ``services/runtime/sharding.py``).
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
    shards: int = 0
    identify_window: float = IDENTIFY_WINDOW

    def __repr__(self) -> str:
        return f"VoiceConfig(api_base={self.api_base!r}, voice={self.voice!r}, token=[redacted])"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> VoiceConfig:
        """Read ``DISCORD_TOKEN[_FILE]`` and ``SQUADTIME_VOICE_*``; raise SettingsError."""
        api = discord_api(env)
        ca_file = env.get("SQUADTIME_VOICE_CA_FILE", "").strip()
        if ca_file and not Path(ca_file).is_file():
            raise SettingsError(f"SQUADTIME_VOICE_CA_FILE={ca_file!r} is not a file")
        return cls(
            token=load_token(env),
            api_base=api,
            espeak=env.get("SQUADTIME_VOICE_ESPEAK", "").strip() or "espeak-ng",
            voice=env.get("SQUADTIME_VOICE_NAME", "").strip() or "en",
            speed=int(number(env, "SQUADTIME_VOICE_SPEED", 160, 80, 450)),
            cooldown=number(env, "SQUADTIME_VOICE_COOLDOWN_SECONDS", 1800.0, 0, 86_400),
            ca_file=ca_file,
            shards=shard_setting(env),
        )

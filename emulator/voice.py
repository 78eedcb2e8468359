"""Hooks for voice: the bot's voice-state requests (gateway op 4) and VOICE_SERVER_UPDATE.

The voice gateway and its UDP transport are not emulated yet. When a voice server is
attached, the emulator answers a bot joining a channel with VOICE_SERVER_UPDATE pointing at it.
"""

from typing import Protocol

from emulator.jsontypes import JSONObject


class VoiceServer(Protocol):
    """Where bots are told to open their voice connection."""

    def server_update(self, guild_id: int, session_id: str) -> JSONObject:
        """The VOICE_SERVER_UPDATE payload (``token``, ``guild_id``, ``endpoint``)."""
        ...

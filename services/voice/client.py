"""The voice service's own Discord session: only what a voice connection needs.

Discord ties a voice connection to a gateway session, so the voice service logs in with the
bot's token too, asking for guilds and voice states only. It handles none of the session's
events (its facts come from the bus) and never touches application commands.
"""

from __future__ import annotations

import ssl

import aiohttp
import nextcord

from services.runtime.identify import IdentifyPacer


def voice_intents() -> nextcord.Intents:
    intents = nextcord.Intents.none()
    intents.guilds = True
    intents.voice_states = True
    return intents


def voice_connector(ca_file: str) -> aiohttp.TCPConnector | None:
    """An HTTP connector that also trusts ``ca_file`` (the emulator's voice certificate)."""
    if not ca_file:
        return None
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_file)
    return aiohttp.TCPConnector(ssl=context)


class VoiceSessionClient(nextcord.Client):
    """A nextcord client that only holds voice connections."""

    def __init__(
        self,
        *,
        guild_ready_timeout: float,
        ca_file: str = "",
        pacer: IdentifyPacer | None = None,
    ) -> None:
        super().__init__(
            intents=voice_intents(),
            guild_ready_timeout=guild_ready_timeout,
            max_messages=None,
            chunk_guilds_at_startup=False,
            connector=voice_connector(ca_file),
            rollout_associate_known=False,
            rollout_delete_unknown=False,
            rollout_register_new=False,
            rollout_update_known=False,
            lazy_load_commands=False,
        )
        self.pacer = pacer or IdentifyPacer()

    async def on_connect(self) -> None:
        """Skip nextcord's command sync: the gateway service owns the bot's commands."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """The first IDENTIFY goes at once (the process's start back-off paces restarts);
        any other waits for shard 0's bucket.

        The session identifies as shard 0, as the gateway's first shard does: when both
        start within Discord's window with ``max_concurrency`` 1, one is answered op 9
        (Gateway > Identifying). nextcord identifies again at once after an op 9 unless
        this hook waits, and each try is one of the bot's 1,000 IDENTIFYs a day.
        """
        await self.pacer.wait(shard_id or 0)

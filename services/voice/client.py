"""The voice service's own Discord sessions: only what a voice connection needs.

Discord ties a voice connection to a gateway session, so the voice service logs in with the
bot's token too (one session per shard), asking for guilds and voice states only. It handles
none of the sessions' events (its facts come from the bus) and never touches application
commands.
"""

from __future__ import annotations

import ssl

import aiohttp
import nextcord

from services.runtime.identify import IdentifyPacer
from services.runtime.sharding import ShardedSession


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


class VoiceSessionClient(ShardedSession):
    """A nextcord client that only holds voice connections, sharded as the gateway is.

    Discord closes a session that would hold more than 2,500 guilds (4011), whatever it is
    for, so the voice service shards too: the same count as the gateway, IDENTIFYs paced in
    the same buckets through the shared ledger (``services/runtime/identify.py``). A guild's
    voice connection is asked for over its shard's session (nextcord routes it).
    """

    def __init__(
        self,
        *,
        guild_ready_timeout: float,
        pacer: IdentifyPacer,
        ca_file: str = "",
        shard_count: int | None = None,
    ) -> None:
        super().__init__(
            pacer=pacer,
            shard_count=shard_count,
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

    async def on_connect(self) -> None:
        """Skip nextcord's command sync: the gateway service owns the bot's commands."""

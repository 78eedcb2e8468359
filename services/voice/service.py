"""The voice process: greets the first person in a counted voice channel, out loud.

Facts come from the bus: the gateway's guild snapshots and voice/member events, and
telemetry's answers (config, schedules, today's marks). The process's own Discord session
(``client.py``) only carries the voice connection; ``greeter.py`` decides and speaks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence

import nextcord

from bus.clock import Clock
from bus.errors import BusError
from bus.protocol import (
    Envelope,
    GuildSnapshot,
    MemberLeft,
    MemberUpdated,
    VoiceChanged,
)
from services.runtime.discord import close_session
from services.runtime.guilds import fetch_guilds
from services.runtime.identify import IDENTIFY_LEDGER, IdentifyPacer
from services.runtime.service import EXIT_CONFIG, RequestsNotServed, Runtime
from services.runtime.sharding import INVALID_SHARD, SHARDS_ENV, Login, hold_sharded
from services.voice.client import VoiceSessionClient
from services.voice.config import VoiceConfig
from services.voice.facts import Facts
from services.voice.greeter import Greeter
from services.voice.speech import Voice as SpeakingVoice

log = logging.getLogger(__name__)

SEEN_LIMIT = 4096
"""Envelope ids remembered to drop redelivered events (the bus delivers at least once)."""


class Voice(RequestsNotServed):
    """squadtime's voice: says in voice who is expected this hour."""

    name = "voice"
    description = "squadtime's voice: says in voice who is expected this hour."

    def __init__(self, config: VoiceConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self._clock = clock  # calendar time; the fleet's (from the settings) unless given
        self.facts = Facts()
        self.client: VoiceSessionClient | None = None
        self.greeter: Greeter | None = None
        self.ready = asyncio.Event()
        self.exit_code = 0
        self._seen: deque[str] = deque(maxlen=SEEN_LIMIT)
        self._seen_ids: set[str] = set()

    async def setup(self, runtime: Runtime) -> None:
        """Subscribe to the gateway's facts; build the session client and the greeter."""
        runtime.redactor.add(self.config.token)
        if not nextcord.voice_client.has_dave:
            log.error(
                "dave.py is not installed: Discord will refuse every voice connection (4017)"
                " until it is (pip install 'nextcord[voice]')"
            )
        runtime.bus.subscribe("gateway.")
        runtime.bus.on_events(self._events)
        pacer = IdentifyPacer(
            window=self.config.identify_window,
            ledger=runtime.settings.runtime_dir / IDENTIFY_LEDGER,
        )
        self.client = VoiceSessionClient(
            guild_ready_timeout=self.config.guild_ready_timeout,
            pacer=pacer,
            ca_file=self.config.ca_file,
            shard_count=self.config.shards or None,
        )
        self.greeter = Greeter(
            runtime.bus,
            self.facts,
            self.client,
            SpeakingVoice(self.config.espeak, self.config.voice, self.config.speed),
            cooldown=self.config.cooldown,
            connect_timeout=self.config.connect_timeout,
            clock=self._clock or runtime.settings.calendar,
            tasks=runtime.tasks,
        )

    async def run(self, runtime: Runtime) -> None:
        """Catch up on the guilds, log the voice session in and hold it until stopped."""
        assert self.client is not None
        await self._catch_up(runtime)
        try:
            login = Login(self.config.token, self.config.api_base, "voice")
            await hold_sharded(self.client, login, self.ready)
        except nextcord.LoginFailure:
            self._refuse(runtime, "Discord refused the bot token (check DISCORD_TOKEN)")
        except nextcord.ConnectionClosed as closed:
            if closed.code != INVALID_SHARD:
                raise
            self._refuse(
                runtime,
                f"Discord refused {self.client.shard_count} shard(s) (close 4010, invalid"
                f" shard): set {SHARDS_ENV} to 0 to take Discord's count",
            )
        finally:
            await asyncio.shield(self._close())

    def _refuse(self, runtime: Runtime, reason: str) -> None:
        log.error("cannot start: %s", reason)
        self.exit_code = EXIT_CONFIG
        runtime.stopping.set()

    async def _close(self) -> None:
        if self.client is None:
            return
        try:
            if not self.client.is_closed():
                for connection in list(self.client.voice_clients):
                    await connection.disconnect(force=True)
        finally:
            await close_session(self.client)

    async def _catch_up(self, runtime: Runtime) -> None:
        """Snapshots of every guild, for a voice service started after the gateway."""
        try:
            found = await fetch_guilds(runtime.bus, timeout=2.0)
        except BusError as error:
            # Usual at start (the gateway still logging in); its snapshots come as events.
            log.info("no guild facts yet (%s): waiting for the gateway's snapshots", error)
            return
        for snapshot in found:
            if snapshot.guild_id not in self.facts.guilds:
                self.facts.snapshot(snapshot)

    async def _events(self, envelopes: Sequence[Envelope]) -> None:
        assert self.greeter is not None
        for envelope in envelopes:
            if envelope.id in self._seen_ids:
                continue
            if len(self._seen) == self._seen.maxlen:
                self._seen_ids.discard(self._seen[0])
            self._seen.append(envelope.id)
            self._seen_ids.add(envelope.id)
            match envelope.body:
                case GuildSnapshot() as snapshot:
                    self.facts.snapshot(snapshot)
                case VoiceChanged() as event:
                    self.facts.voice(event)
                    self.greeter.voice_changed(event)
                case MemberUpdated() as event:
                    self.facts.member(event)
                case MemberLeft() as event:
                    self.facts.member_left(event)
                case _:
                    pass

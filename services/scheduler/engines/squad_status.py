"""The voice channel says who's on: its status names the squad of an hour with enough players.

With ``/config voice-status`` on (and calls on, and a voice channel counted), an hour of the
current daily message that has the quorum when it starts (or reaches it during the hour) gets
a status on the first counted voice channel, the line Discord shows under the channel's name:
``21:00 · 4/5 · Ana Ben Cy Dee`` — the hour on the community's clock, how many of the hour's
players are in that channel now out of how many are in the hour, and who is there. It follows
joins and leaves during the hour (each change one request, and none when the text is the same)
and is cleared when the hour is over.

Discord refuses a status without Set Voice Channel Status, and without Manage Channels from a
bot that is not in the channel (``emulator.rules.voice_status_rules`` cites the documents): the
admin is told once, in one log line, and the guild is not asked again until its configuration
changes (an admin who granted the permissions turns the switch on again). Any other failure is tried
again at the next tick.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from bus.clock import Clock
from bus.errors import BusError, RemoteError, log_level
from bus.protocol import Done, GuildConfig, SetVoiceStatus
from services.scheduler.board import HourLine
from services.scheduler.daily import NOT_ALLOWED, Days, GuildDay
from services.scheduler.names import plain
from services.scheduler.roster import Roster

log = logging.getLogger(__name__)

HOUR = 3600.0
MAX_STATUS = 500  # Discord: a voice channel's status is 0-500 characters


@dataclass(frozen=True, slots=True)
class _Status:
    """A status on one channel for the hour starting at ``start``."""

    channel_id: int
    start: float
    text: str


def status_text(hour: int, here: Sequence[str], players: int) -> str:
    """``21:00 · 4/5 · Ana Ben Cy Dee``: the hour, who of its ``players`` is ``here``, cut
    to Discord's length with "…" when the names do not fit."""
    head = f"{hour:02d}:00 · {len(here)}/{players}"
    text = " · ".join([head, " ".join(plain(name) for name in here)]) if here else head
    return text if len(text) <= MAX_STATUS else text[: MAX_STATUS - 1] + "…"


class SquadStatus:
    """Every guild's voice channel status; see the module docstring."""

    def __init__(self, days: Days, roster: Roster, clock: Clock) -> None:
        self._days = days
        self._roster = roster
        self._clock = clock
        self._shown: dict[int, _Status] = {}  # guild -> what Discord shows now
        self._refused: dict[int, GuildConfig] = {}  # guild -> the configuration refused under

    async def tick(self, guild: GuildDay) -> tuple[float, bool]:
        """Set, update or clear one guild's status; the calendar instant to look at it again,
        and whether a request failed (try again soon)."""
        try:
            return await self._keep(guild, self._clock.now()), False
        except BusError as error:
            if isinstance(error, RemoteError) and error.code in NOT_ALLOWED:
                self._refuse(guild, error)
                return math.inf, False
            log.log(log_level(error), "guild %d: the status waits: %s", guild.guild_id, error)
            return math.inf, True

    async def _keep(self, guild: GuildDay, now: float) -> float:
        if self._refused.get(guild.guild_id) is guild.config:
            # Told once; asked again after any save of the configuration (each is a new
            # object, even one that saves the same values: the switch turned on again).
            return math.inf
        self._refused.pop(guild.guild_id, None)
        wanted, wake = self._wanted(guild, now)
        shown = self._shown.get(guild.guild_id)
        if shown is not None and (wanted is None or wanted.channel_id != shown.channel_id):
            await self._set(guild.guild_id, shown.channel_id, "")
            del self._shown[guild.guild_id]
            shown = None
        if wanted is not None and wanted != shown:
            await self._set(guild.guild_id, wanted.channel_id, wanted.text)
            self._shown[guild.guild_id] = wanted
        return wake

    def _wanted(self, guild: GuildDay, now: float) -> tuple[_Status | None, float]:
        """The status the guild should show now, and when that may change by the clock."""
        config = guild.config
        if not (config.voice_status and config.quorum_size and config.voice_channel_ids):
            return None, math.inf
        if guild.day is None:
            return None, math.inf
        lines = self._days.lines(guild)
        line = next((x for x in lines if x.slot.start <= now < x.slot.start + HOUR), None)
        if line is None:
            later = [x.slot.start for x in lines if x.slot.start > now]
            return None, min(later, default=math.inf)
        end = line.slot.start + HOUR
        shown = self._shown.get(guild.guild_id)
        going = shown is not None and shown.start == line.slot.start
        if not going and len(line.players) < config.quorum_size:
            return None, end
        channel = config.voice_channel_ids[0]
        return _Status(channel, line.slot.start, self._text(guild, line, channel)), end

    def _text(self, guild: GuildDay, line: HourLine, channel_id: int) -> str:
        view = self._roster.guild(guild.guild_id)
        players = {user for user, _ in line.players}
        here = [user for user in view.in_channel(channel_id) if user in players]
        names = sorted((view.label(user, {})[1] for user in here), key=str.casefold)
        return status_text(line.slot.hour, names, len(players))

    async def _set(self, guild_id: int, channel_id: int, text: str) -> None:
        request = SetVoiceStatus(channel_id=channel_id, status=text)
        await self._days.ask("gateway", request, Done)
        log.debug("guild %d: voice status of %d is %r", guild_id, channel_id, text)

    def _refuse(self, guild: GuildDay, error: RemoteError) -> None:
        """Say once what the admin must grant; no retry until the configuration changes."""
        self._refused[guild.guild_id] = guild.config
        self._shown.pop(guild.guild_id, None)
        log.warning(
            "guild %d: Discord refuses the voice channel status (%s): the bot needs Set Voice"
            " Channel Status and Manage Channels in the first counted voice channel; grant"
            " them, then turn /config voice-status on again",
            guild.guild_id,
            error.message,
        )

"""Interactions the gateway may still follow up, kept on disk so a restart does not lose them.

A deferred interaction is finished later with its token. If the gateway
restarts between the defer and the owner's ``InteractionFollowUp``, the
token must still be known, or the member is left with "thinking..." for
good. Each entry lives as long as Discord honours the token (15 minutes),
in a small file that is replaced atomically and that only the bot's user
can read: the tokens are secrets, so they never reach the log either.

Expiry is measured on the wall clock, the only clock a new process shares
with the old one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

import msgspec

from bus.clock import WALL, Clock

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60.0  # Discord's interaction tokens work this long after the interaction


class OpenInteraction(msgspec.Struct, kw_only=True):
    """What a follow-up needs: the token, where the answer goes, and until when it works."""

    token: str
    channel_id: int
    expires: float  # wall-clock time, seconds since the epoch
    placeholder: bool = False  # a "thinking..." message waits to be filled


class _Stored(msgspec.Struct, kw_only=True):
    interactions: dict[int, OpenInteraction] = msgspec.field(default_factory=dict)


class OpenInteractions:
    """Interactions whose tokens still work, persisted at ``path`` (mode 0600)."""

    def __init__(self, path: Path, clock: Clock = WALL) -> None:
        self._path = path
        self._clock = clock
        self._open: dict[int, OpenInteraction] = {}
        try:
            self._open = msgspec.json.decode(path.read_bytes(), type=_Stored).interactions
        except FileNotFoundError:
            pass
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
            # Only the kind of error: its text could quote the file, and the file holds secrets.
            log.warning("ignoring unreadable open interactions %s (%s)", path, type(error).__name__)
        if self._drop_expired():
            self._save()

    def add(self, interaction_id: int, token: str, channel_id: int) -> None:
        """Remember a new interaction for as long as its token lives."""
        self._drop_expired()
        self._open[interaction_id] = OpenInteraction(
            token=token, channel_id=channel_id, expires=self._clock.now() + TOKEN_LIFETIME
        )
        self._save()

    def get(self, interaction_id: int) -> OpenInteraction | None:
        """The interaction, unless it is unknown or its token has expired."""
        found = self._open.get(interaction_id)
        if found is None or found.expires <= self._clock.now():
            return None
        return found

    def set_placeholder(self, interaction_id: int, waiting: bool) -> None:
        """Note whether a "thinking..." message waits for this interaction's answer."""
        found = self._open.get(interaction_id)
        if found is not None and found.placeholder != waiting:
            found.placeholder = waiting
            self._save()

    def __len__(self) -> int:
        return len(self._open)

    def _drop_expired(self) -> bool:
        now = self._clock.now()
        expired = [i for i, found in self._open.items() if found.expires <= now]
        for interaction_id in expired:
            del self._open[interaction_id]
        return bool(expired)

    def _save(self) -> None:
        """Replace the file in one step: a killed process leaves the old file or the new."""
        data = msgspec.json.encode(_Stored(interactions=self._open))
        # mkstemp creates the file with mode 0600: the tokens are never readable by others.
        try:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self._path.parent, prefix=".interactions-")
        except OSError as error:
            log.warning("cannot save open interactions in %s: %s", self._path.parent, error)
            return
        try:
            # No fsync: the file has to outlive the process, not a power cut (which costs at
            # most 15 minutes of follow-ups), and an SD card's fsync can eat into the 3 seconds
            # Discord gives the first response.
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, self._path)
        except OSError as error:
            # Follow-ups still work from memory; only a restart would lose them.
            log.warning("cannot save open interactions to %s: %s", self._path, error)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

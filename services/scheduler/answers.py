"""What every interaction handler shares: private answers, refusals, options and the admin check.

Options arrive as text (the gateway relays what Discord sent); they are parsed here
again, because a member's client can send anything: Discord's own checks are not trusted.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from bus.clock import Clock
from bus.protocol import ActionRow, Interaction, InteractionResponse
from services.runtime import permissions
from services.scheduler.daily import Days
from services.scheduler.engines.nudges import Nudges
from services.scheduler.engines.reminders import Reminders
from services.scheduler.names import inert, visible
from services.scheduler.render import MAX_CONTENT
from services.scheduler.roster import GuildView, Roster

MAX_ECHO = 40
"""Characters of a member's input that a refusal quotes back at most. Discord lets a string
option hold 6,000 characters (``max_length``, Application Commands): quoting one would fill
the answer with it and hide why it was refused."""


class Refusal(Exception):
    """The member asked for something that cannot be done; the message says why, to them."""


def echoed(raw: str, *, initial: bool = False) -> str:
    """A member's input as a refusal quotes it: a short one as typed (made inert), a long one
    by its length alone. ``initial`` when it starts the sentence."""
    if len(raw) <= MAX_ECHO:
        return f"'{inert(raw)}'" if visible(raw) else "''"
    return f"{'W' if initial else 'w'}hat you sent ({len(raw):,} characters)"


@dataclass(frozen=True, slots=True)
class Context:
    """What the handlers work with."""

    days: Days
    roster: Roster
    clock: Clock
    reminders: Reminders | None = None
    nudges: Nudges | None = None
    _locks: defaultdict[tuple[int, int], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )

    def member_lock(self, guild_id: int, user_id: int) -> asyncio.Lock:
        """One change at a time to a member's schedule (two menus open, clicked together)."""
        return self._locks[guild_id, user_id]

    def view(self, interaction: Interaction) -> GuildView:
        """The interaction's guild."""
        return self.roster.guild(interaction.guild_id)


def fit(content: str) -> str:
    """``content`` within Discord's 2,000 characters: whole lines, then how many were left out
    (a long voice channel's list of local times, a setup with many ranks)."""
    if len(content) <= MAX_CONTENT:
        return content
    lines = content.splitlines()
    kept: list[str] = []
    for line in lines:
        tail = f"… and {len(lines) - len(kept) - 1} more lines"
        if len("\n".join([*kept, line, tail])) > MAX_CONTENT:
            break
        kept.append(line)
    return "\n".join([*kept, f"… and {len(lines) - len(kept)} more lines"])


def private(content: str, components: list[ActionRow] | None = None) -> InteractionResponse:
    """An answer only the member sees."""
    return InteractionResponse(content=fit(content), components=components or [], ephemeral=True)


def update(content: str, components: list[ActionRow] | None = None) -> InteractionResponse:
    """Replace the (private) message whose component was used."""
    return InteractionResponse(kind="update", content=fit(content), components=components or [])


def is_admin(interaction: Interaction, view: GuildView) -> bool:
    """Manage Server or Administrator, from the member's permissions in this interaction."""
    member = interaction.member
    return permissions.is_admin(member.permissions, user_id=member.user_id, owner_id=view.owner_id)


def require_admin(interaction: Interaction, view: GuildView) -> None:
    """Refuse members without Manage Server."""
    if not is_admin(interaction, view):
        raise Refusal("Only members with the Manage Server permission can do this.")


def text_option(options: Mapping[str, str], name: str, *, required: bool = True) -> str:
    """A text option, stripped; a missing required one is refused."""
    value = options.get(name, "").strip()
    if required and not value:
        raise Refusal(f"Please fill in `{name}`.")
    return value


def int_option(options: Mapping[str, str], name: str, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high``."""
    raw = text_option(options, name)
    try:
        value = int(raw)
    except ValueError:
        # Past 4,300 digits Python refuses to read an int at all (sys.int_info): a number
        # that long lands here too, and is not quoted back.
        raise Refusal(f"`{name}` must be a whole number, not {echoed(raw)}.") from None
    if not low <= value <= high:
        shown = value if len(raw) <= MAX_ECHO else echoed(raw)
        raise Refusal(f"`{name}` must be between {low} and {high}, not {shown}.")
    return value


def bool_option(options: Mapping[str, str], name: str) -> bool:
    """``true`` or ``false``."""
    raw = text_option(options, name)
    if raw not in ("true", "false"):
        raise Refusal(f"`{name}` must be true or false.")
    return raw == "true"


def id_option(options: Mapping[str, str], name: str, *, required: bool = True) -> int:
    """A Discord id (user, channel, role); 0 when optional and missing."""
    raw = text_option(options, name, required=required)
    if not raw and not required:
        return 0
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 1 << 64:
        raise Refusal(f"`{name}` is not a valid id.")
    return int(raw)

"""A voice channel's status (the line under its name): what Discord accepts and who may set it.

Sources: Discord's OpenAPI description, ``PUT /channels/{channel_id}/voice-status``
(``update_voice_channel_status``: a required body ``{"status": string | null}`` with
``maxLength`` 500, answered 204); the Channel resource's ``status`` field, "the voice channel
status (0-500 characters)", and "Set Voice Channel Status", documented in discord-api-docs
#6398 and #6400: it needs SET_VOICE_CHANNEL_STATUS (``1 << 48``, Permissions > Bitwise
Permission Flags) and, from a user not connected to the channel, MANAGE_CHANNELS too; it
fires VOICE_CHANNEL_STATUS_UPDATE (``id``, ``guild_id``, ``status``). A status is only for a
voice channel: any other kind is refused as Discord refuses an action on the wrong type of
channel (50024).
"""

import msgspec

from emulator.rules import errors
from emulator.rules.errors import FormErrors
from emulator.rules.permissions import Permission, allows
from emulator.rules.state import Channel, ChannelType, World

MAX_STATUS = 500
"""OpenAPI ``maxLength`` 500; the Channel resource: "(0-500 characters)"."""


class StatusBody(msgspec.Struct, kw_only=True):
    """The route's body: ``status``, a string or null (null and "" both clear it)."""

    status: str | None = None


def check_status(body: StatusBody) -> str | None:
    """The status to keep (None for a cleared one), or Discord's 50035."""
    found = FormErrors()
    if body.status is not None and len(body.status) > MAX_STATUS:
        found.max_length(("status",), MAX_STATUS)
    found.raise_if_any()
    return body.status or None


def require_may_set(world: World, channel: Channel, bot_id: int) -> None:
    """A voice channel the bot sees (50001) where it holds SET_VOICE_CHANNEL_STATUS, and
    MANAGE_CHANNELS unless it is connected there (50013)."""
    if channel.type is not ChannelType.GUILD_VOICE:
        raise errors.wrong_channel_type()
    held = world.channel_permissions(channel.id, bot_id)
    if not held & Permission.VIEW_CHANNEL:
        raise errors.missing_access()
    needed: int = Permission.SET_VOICE_CHANNEL_STATUS
    state = world.guild(channel.guild_id).voice_states.get(bot_id)
    if state is None or state.channel_id != channel.id:
        needed |= Permission.MANAGE_CHANNELS
    if not allows(held, needed):
        raise errors.missing_permissions()

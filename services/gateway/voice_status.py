"""A voice channel's status: the line Discord shows under the channel's name.

nextcord 3.2 has no method for it (nor the SET_VOICE_CHANNEL_STATUS permission, nor the
VOICE_CHANNEL_STATUS_UPDATE event), so the route is called through nextcord's HTTP client
(``Rest.call`` builds a ``Route``, and so keeps nextcord's rate limiter). What was checked:
Discord's OpenAPI description, ``PUT /channels/{channel_id}/voice-status``
(``update_voice_channel_status``: a body ``{"status": string | null}``, ``maxLength`` 500,
answered 204), and the docs' Channel resource (discord-api-docs #6398: "the voice channel
status (0-500 characters)"), whose permission is SET_VOICE_CHANNEL_STATUS (``1 << 48``).
"""

from __future__ import annotations

from bus.protocol import Done, SetVoiceStatus
from services.gateway.rest import Rest


async def set_status(rest: Rest, request: SetVoiceStatus) -> Done:
    """Set (or, with "", clear: ``null``) the channel's status."""
    await rest.call(
        "PUT",
        "/channels/{channel_id}/voice-status",
        body={"status": request.status or None},
        channel_id=request.channel_id,
    )
    return Done()

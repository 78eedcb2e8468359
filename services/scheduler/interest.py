""" "Interested" on an hour's Discord event: an in for that hour, taken back by un-clicking.

The gateway publishes Discord's GUILD_SCHEDULED_EVENT_USER_ADD and _REMOVE as
``EventInterest`` (never the bot's own). Only the events the bot made for an hour (known
to ``Calls``, and after a restart from telemetry's deliveries of kind ``event``) count; a
moderator's own event is conversation, as a reaction on another message is. The bot's own
changes to its event (its name and description, its status) are GUILD_SCHEDULED_EVENT_UPDATE,
which carries no member: they never come back as marks.
"""

from __future__ import annotations

import logging

from bus.protocol import EventInterest
from services.scheduler.calls import Calls
from services.scheduler.daily import Days
from services.scheduler.roster import Roster

log = logging.getLogger(__name__)


async def on_interest(days: Days, calls: Calls, roster: Roster, event: EventInterest) -> None:
    """Mark (or un-mark) the member in the hour the event was made for."""
    member = roster.guild(event.guild_id).members.get(event.user_id)
    if member is not None and member.bot:
        return
    where = await calls.hour_of_event(event.guild_id, event.event_id)
    if where is None:
        log.debug("guild %d: event %d is not an hour's", event.guild_id, event.event_id)
        return
    day, hour = where
    await days.set_interest(event.guild_id, day, hour, event.user_id, interested=event.interested)

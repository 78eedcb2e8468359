""" "Interested" on an hour's Discord event: an in for that hour, taken back by un-clicking.

The gateway publishes Discord's GUILD_SCHEDULED_EVENT_USER_ADD and _REMOVE as
``EventInterest`` (never the bot's own). Only the events the bot made for an hour (known
to ``Calls``, and after a restart from telemetry's deliveries of kind ``event``) count; a
moderator's own event is conversation, as a reaction on another message is. The bot's own
changes to its event (its name and description, its status) are GUILD_SCHEDULED_EVENT_UPDATE,
which carries no member: they never come back as marks.

A click is a gateway event, published once: one that a killed scheduler, gateway or
telemetry never handled is found on Discord, which lists who is interested in each event
(``Calls`` reads it after a start, a reconnect, a click telemetry did not record, and a
click on an event it does not know: that may be the hour's, created a moment before its
creation was recorded).
"""

from __future__ import annotations

import logging

from bus.errors import BusError, log_level
from bus.protocol import EventInterest
from services.scheduler.daily import Days
from services.scheduler.engines.calls import Calls
from services.scheduler.roster import Roster

log = logging.getLogger(__name__)


async def on_interest(days: Days, calls: Calls, roster: Roster, event: EventInterest) -> None:
    """Mark (or un-mark) the member in the hour the event was made for; when telemetry does
    not answer, the guild's events are read from Discord again until it does."""
    member = roster.guild(event.guild_id).members.get(event.user_id)
    if member is not None and member.bot:
        return
    try:
        where = await calls.hour_of_event(event.guild_id, event.event_id)
        if where is None:
            # A moderator's event, or the hour's own whose creation is not recorded yet (the
            # click can come first): Discord's lists of the hours' events tell which.
            log.debug("guild %d: event %d is no known hour's", event.guild_id, event.event_id)
            _read_again(days, event.guild_id)
            return
        day, hour = where
        await days.set_interest(
            event.guild_id, day, hour, event.user_id, interested=event.interested
        )
    except BusError as error:
        log.log(
            log_level(error),
            "guild %d: an interested click was not recorded (%s); reading the events again",
            event.guild_id,
            error,
        )
        _read_again(days, event.guild_id)


def _read_again(days: Days, guild_id: int) -> None:
    """Have the calls read who is interested in the guild's hour events from Discord."""
    guild = days.guilds.get(guild_id)
    if guild is not None:
        guild.interest_stale = True
        days.on_change(guild_id)  # wakes the calls

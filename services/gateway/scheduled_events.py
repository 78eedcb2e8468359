"""Discord Scheduled Events for called hours: created, edited and listed for the bus, and
who is interested in one (for the scheduler to find clicks it missed)."""

from __future__ import annotations

from datetime import UTC, datetime

from bus.protocol import (
    CreateScheduledEvent,
    EditScheduledEvent,
    EventInterestedReply,
    FetchEventInterested,
    FetchScheduledEvents,
    ScheduledEventFacts,
    ScheduledEventReply,
    ScheduledEventsReply,
)
from services.gateway.rest import JSON, Rest


async def create(rest: Rest, request: CreateScheduledEvent) -> ScheduledEventReply:
    """A voice event for the hour, in the counted voice channel."""
    # Discord's Guild Scheduled Event: privacy_level 2 (GUILD_ONLY) is the only
    # one; entity_type 2 (VOICE) needs the channel and no location.
    created = await rest.call(
        "POST",
        "/guilds/{guild_id}/scheduled-events",
        body={
            "name": request.name,
            "description": request.description,
            "privacy_level": 2,
            "entity_type": 2,
            "channel_id": str(request.channel_id),
            "scheduled_start_time": _iso(request.start),
            "scheduled_end_time": _iso(request.end),
        },
        guild_id=request.guild_id,
    )
    return ScheduledEventReply(event=_event(created))


async def edit(rest: Rest, request: EditScheduledEvent) -> ScheduledEventReply:
    """Change only what ``request`` gives: name, description, status."""
    body: JSON = {}
    if request.name:
        body["name"] = request.name
    if request.description:
        body["description"] = request.description
    if request.status:
        body["status"] = request.status
    changed = await rest.call(
        "PATCH",
        "/guilds/{guild_id}/scheduled-events/{event_id}",
        body=body,
        guild_id=request.guild_id,
        event_id=request.event_id,
    )
    return ScheduledEventReply(event=_event(changed))


async def fetch(rest: Rest, request: FetchScheduledEvents) -> ScheduledEventsReply:
    """Every scheduled event of the guild, as Discord lists them."""
    found = await rest.call("GET", "/guilds/{guild_id}/scheduled-events", guild_id=request.guild_id)
    return ScheduledEventsReply(events=[_event(item) for item in found])


PAGE = 100  # Get Guild Scheduled Event Users: ``limit`` is at most 100 (Discord's docs)


async def interested(
    rest: Rest, request: FetchEventInterested, own_id: int
) -> EventInterestedReply:
    """Every user interested in the event, a page of ``PAGE`` at a time (``after`` the last
    id of the page before: Discord lists them in ascending order of id), the bot aside."""
    found: list[int] = []
    params: dict[str, int] = {"limit": PAGE}
    while True:
        page = await rest.call(
            "GET",
            "/guilds/{guild_id}/scheduled-events/{event_id}/users",
            params=dict(params),
            guild_id=request.guild_id,
            event_id=request.event_id,
        )
        ids = [int(item["user_id"]) for item in page]
        found += [user for user in ids if user != own_id]
        if len(ids) < PAGE:
            return EventInterestedReply(user_ids=found)
        params["after"] = ids[-1]


def _iso(instant: float) -> str:
    """ISO 8601 in UTC, as Discord's timestamps are written."""
    return datetime.fromtimestamp(instant, UTC).isoformat()


def _event(payload: JSON) -> ScheduledEventFacts:
    return ScheduledEventFacts(
        event_id=int(payload["id"]),
        name=str(payload.get("name") or ""),
        description=str(payload.get("description") or ""),
        status=int(payload.get("status") or 1),
    )

"""Guild scheduled events: what Discord accepts in a create or modify body, who may do it, and how
an event moves through its statuses.

Sources: Discord's docs, "Guild Scheduled Event" resource (structure, "Field Requirements By
Entity Type", "Valid Guild Scheduled Event Status Transitions", "Guild Scheduled Event Status
Update Automation", "Guild Scheduled Event Permissions Requirements"), the Change Log of
February 2026 (bots need CREATE_EVENTS to create), and the OpenAPI description's
``ExternalScheduledEventCreateRequest`` / ``VoiceScheduledEventCreateRequest`` and their
``*PatchRequestPartial`` (``channel_id`` and ``scheduled_end_time`` nullable, nothing required
in a modify). Discord checks a whole body and reports every bad field in one 50035.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from emulator.rules import errors
from emulator.rules.errors import FieldPath, FormErrors
from emulator.rules.permissions import Permission, allows
from emulator.rules.state import (
    GUILD_ONLY,
    ChannelType,
    EventEntityType,
    EventStatus,
    Guild,
    ScheduledEvent,
    World,
)

NAME_LENGTH = (1, 100)
""""the name of the scheduled event (1-100 characters)"."""
DESCRIPTION_LENGTH = 1000
""""(1-1000 characters)"; OpenAPI ``maxLength`` 1000 (an empty one is kept as none)."""
LOCATION_LENGTH = (1, 100)
"""Entity Metadata: "location of the event (1-100 characters)"."""
MAX_UNFINISHED = 100
""""A guild can have a maximum of 100 events with SCHEDULED or ACTIVE status at any time"."""

TRANSITIONS: dict[EventStatus, frozenset[EventStatus]] = {
    EventStatus.SCHEDULED: frozenset({EventStatus.ACTIVE, EventStatus.CANCELED}),
    EventStatus.ACTIVE: frozenset({EventStatus.COMPLETED}),
    EventStatus.COMPLETED: frozenset(),
    EventStatus.CANCELED: frozenset(),
}
"""SCHEDULED --> ACTIVE, ACTIVE --> COMPLETED, SCHEDULED --> CANCELED; COMPLETED and CANCELED are
final (180000 "Cannot update a finished event"). Another move from SCHEDULED or ACTIVE is a 50035
on ``status`` here; Discord's code string for it is not documented."""

CHANNEL_TYPES: dict[EventEntityType, ChannelType | None] = {
    EventEntityType.VOICE: ChannelType.GUILD_VOICE,
    EventEntityType.STAGE_INSTANCE: None,  # a stage channel (13): the emulator has none
    EventEntityType.EXTERNAL: None,
}

CHANNEL_PERMISSIONS: dict[EventEntityType, int] = {
    EventEntityType.VOICE: Permission.VIEW_CHANNEL | Permission.CONNECT,
    EventEntityType.STAGE_INSTANCE: (
        Permission.MANAGE_CHANNELS | Permission.MUTE_MEMBERS | Permission.MOVE_MEMBERS
    ),
    EventEntityType.EXTERNAL: 0,
}
"""What the bot needs besides the events permission, in the event's channel (or, for an EXTERNAL
event, in the guild): Permissions Requirements, create and modify/delete alike."""


class MetadataBody(msgspec.Struct, kw_only=True):
    """``entity_metadata`` (OpenAPI ``EntityMetadataExternal``)."""

    location: str | None = None


class CreateEventBody(msgspec.Struct, kw_only=True):
    """``POST /guilds/{guild_id}/scheduled-events``; the required four are checked together."""

    name: str | None = None
    privacy_level: int | None = None
    scheduled_start_time: str | None = None
    entity_type: int | None = None
    channel_id: int | str | None = None
    entity_metadata: MetadataBody | None = None
    scheduled_end_time: str | None = None
    description: str | None = None
    image: str | None = None


class ModifyEventBody(msgspec.Struct, kw_only=True):
    """``PATCH .../scheduled-events/{id}``: "All parameters to this endpoint are optional"."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    privacy_level: int | msgspec.UnsetType = msgspec.UNSET
    scheduled_start_time: str | msgspec.UnsetType = msgspec.UNSET
    scheduled_end_time: str | msgspec.UnsetType | None = msgspec.UNSET
    entity_type: int | msgspec.UnsetType | None = msgspec.UNSET
    channel_id: int | str | msgspec.UnsetType | None = msgspec.UNSET
    entity_metadata: MetadataBody | msgspec.UnsetType | None = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET
    status: int | msgspec.UnsetType | None = msgspec.UNSET
    image: str | msgspec.UnsetType | None = msgspec.UNSET


@dataclass(frozen=True, slots=True)
class EventFields:
    """An event's fields once a body is applied, checked before anything is kept."""

    name: str
    entity_type: EventEntityType
    scheduled_start_time: datetime
    scheduled_end_time: datetime | None
    channel_id: int | None
    location: str | None
    description: str | None
    image: str | None
    status: EventStatus = EventStatus.SCHEDULED
    privacy_level: int = GUILD_ONLY


# ------------------------------------------------------------------ bodies


def check_create(world: World, guild: Guild, body: CreateEventBody, now: datetime) -> EventFields:
    """The new event, or Discord's 50035 with every broken rule."""
    found = FormErrors()
    for key in ("name", "privacy_level", "scheduled_start_time", "entity_type"):
        if getattr(body, key) is None:
            found.required((key,))
    kind = _entity_type(body.entity_type, found)
    if body.privacy_level is not None and body.privacy_level != GUILD_ONLY:
        found.choices(("privacy_level",), (GUILD_ONLY,))
    start = _time(("scheduled_start_time",), body.scheduled_start_time, found)
    end = _time(("scheduled_end_time",), body.scheduled_end_time, found)
    if start is not None and start < now:
        _schedule_past(found)
    channel_id = _channel_id(body.channel_id, found)
    location = body.entity_metadata.location if body.entity_metadata is not None else None
    if kind is not None and kind is not EventEntityType.EXTERNAL and location is not None:
        # "entity_metadata: null" for STAGE_INSTANCE and VOICE (Field Requirements).
        _not_allowed(found, ("entity_metadata", "location"), kind)
    fields = EventFields(
        name=body.name or "",
        entity_type=kind or EventEntityType.EXTERNAL,
        scheduled_start_time=start or now,
        scheduled_end_time=end,
        channel_id=channel_id,
        location=location,
        description=body.description or None,
        image=_image_hash(body.image),
    )
    if body.name is not None:
        _check_text(fields, found)
    if kind is not None and start is not None:
        _check_entity(guild, fields, found, end_given=body.scheduled_end_time is not None)
    _check_description(body.description, found)
    found.raise_if_any()
    return fields


def check_modify(
    world: World, event: ScheduledEvent, body: ModifyEventBody, now: datetime
) -> EventFields:
    """The event after ``body``; a finished one is 180000 whatever the body says."""
    if event.finished:
        raise errors.finished_event()
    found = FormErrors()
    if not isinstance(body.privacy_level, msgspec.UnsetType) and body.privacy_level != GUILD_ONLY:
        found.choices(("privacy_level",), (GUILD_ONLY,))
    kind = event.entity_type
    if not isinstance(body.entity_type, msgspec.UnsetType):
        kind = _entity_type(body.entity_type, found) or kind
    start = event.scheduled_start_time
    if not isinstance(body.scheduled_start_time, msgspec.UnsetType):
        given = _time(("scheduled_start_time",), body.scheduled_start_time, found)
        if given is not None and event.status is EventStatus.SCHEDULED and given < now:
            _schedule_past(found)
        start = given or start
    end = event.scheduled_end_time
    if not isinstance(body.scheduled_end_time, msgspec.UnsetType):
        end = _time(("scheduled_end_time",), body.scheduled_end_time, found)
    location = event.location
    if not isinstance(body.entity_metadata, msgspec.UnsetType):
        location = body.entity_metadata.location if body.entity_metadata is not None else None
    if kind is not EventEntityType.EXTERNAL:
        location = (
            None  # "This endpoint silently discards entity_metadata for non-EXTERNAL events."
        )
    description = event.description
    if not isinstance(body.description, msgspec.UnsetType):
        _check_description(body.description, found)
        description = body.description or None
    status = event.status
    if not isinstance(body.status, msgspec.UnsetType) and body.status is not None:
        status = _status(event.status, body.status, found) or status
    fields = EventFields(
        name=event.name if isinstance(body.name, msgspec.UnsetType) else body.name,
        entity_type=kind,
        scheduled_start_time=start,
        scheduled_end_time=end,
        channel_id=(
            event.channel_id
            if isinstance(body.channel_id, msgspec.UnsetType)
            else _channel_id(body.channel_id, found)
        ),
        location=location,
        description=description,
        image=event.image if isinstance(body.image, msgspec.UnsetType) else _image_hash(body.image),
        status=status,
    )
    _check_text(fields, found)
    guild = world.guild(event.guild_id)
    _check_entity(guild, fields, found, end_given=end is not None)
    found.raise_if_any()
    return fields


def fields_of(event: ScheduledEvent) -> EventFields:
    """The fields ``event`` has now (to change one of them as a moderator would)."""
    return EventFields(
        name=event.name,
        entity_type=event.entity_type,
        scheduled_start_time=event.scheduled_start_time,
        scheduled_end_time=event.scheduled_end_time,
        channel_id=event.channel_id,
        location=event.location,
        description=event.description,
        image=event.image,
        status=event.status,
        privacy_level=event.privacy_level,
    )


def _check_text(fields: EventFields, found: FormErrors) -> None:
    low, high = NAME_LENGTH
    if not low <= len(fields.name) <= high:
        found.bad_length(("name",), low, high)


def _check_description(description: str | None, found: FormErrors) -> None:
    if description is not None and len(description) > DESCRIPTION_LENGTH:
        found.max_length(("description",), DESCRIPTION_LENGTH)


def _check_entity(guild: Guild, fields: EventFields, found: FormErrors, *, end_given: bool) -> None:
    """Field Requirements By Entity Type, and an end after the start."""
    kind = fields.entity_type
    if kind is EventEntityType.EXTERNAL:
        if fields.channel_id is not None:
            _not_allowed(found, ("channel_id",), kind)
        if fields.location is None:
            found.required(("entity_metadata", "location"))
        else:
            low, high = LOCATION_LENGTH
            if not low <= len(fields.location) <= high:
                found.bad_length(("entity_metadata", "location"), low, high)
        if not end_given:
            found.required(("scheduled_end_time",))
    elif fields.channel_id is None:
        found.required(("channel_id",))
    else:
        channel = guild.channels.get(fields.channel_id)
        wanted = CHANNEL_TYPES[kind]
        if channel is None or wanted is None or channel.type is not wanted:
            found.add(
                ("channel_id",),
                "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                f"An event of type {kind.name} needs a channel of that type in this server.",
            )
    end = fields.scheduled_end_time
    if end is not None and end <= fields.scheduled_start_time:
        found.add(
            ("scheduled_end_time",),
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "The end time must be after the start time.",
        )


def _status(current: EventStatus, value: int, found: FormErrors) -> EventStatus | None:
    try:
        wanted = EventStatus(value)
    except ValueError:
        found.choices(("status",), tuple(int(s) for s in EventStatus))
        return None
    if wanted is current or wanted in TRANSITIONS[current]:
        return wanted
    found.add(
        ("status",),
        "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
        f"An event that is {current.name} cannot become {wanted.name}.",
    )
    return None


def _entity_type(value: int | None, found: FormErrors) -> EventEntityType | None:
    if value is None:
        return None
    try:
        return EventEntityType(value)
    except ValueError:
        found.choices(("entity_type",), tuple(int(t) for t in EventEntityType))
        return None


def _time(path: FieldPath, text: str | None, found: FormErrors) -> datetime | None:
    """An ISO8601 timestamp; one without an offset is read as UTC. One that is no instant in
    UTC (``9999-12-31T23:00:00-05:00`` is in the year 10000) cannot be parsed either."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        found.add(path, "DATE_TIME_TYPE_PARSE", f"Could not parse {text}. Should be ISO8601.")
        return None


def _channel_id(value: int | str | None, found: FormErrors) -> int | None:
    if value is None:
        return None
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= 20:
        return int(text)
    found.add(("channel_id",), "NUMBER_TYPE_COERCE", f'Value "{text}" is not snowflake.')
    return None


def _schedule_past(found: FormErrors) -> None:
    found.add(
        ("scheduled_start_time",),
        "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
        "Cannot schedule event in the past.",
    )


def _not_allowed(found: FormErrors, path: FieldPath, kind: EventEntityType) -> None:
    found.add(
        path, "GUILD_SCHEDULED_EVENT_FIELD_NOT_ALLOWED", f"Must be null for a {kind.name} event."
    )


def _image_hash(data: str | None) -> str | None:
    """A cover image (image data) kept as a hash, as Discord answers it; its bytes are not
    checked here."""
    if not data:
        return None
    return hashlib.sha256(data.encode()).hexdigest()[:32]


# -------------------------------------------------------------- permissions


def may_act(held: int, *, kind: EventEntityType, create: bool, own: bool) -> bool:
    """Permissions Requirements: create needs CREATE_EVENTS (MANAGE_EVENTS alone stopped being
    enough for bots on 2026-02-23, Change Log); modify/delete needs CREATE_EVENTS or
    MANAGE_EVENTS for the bot's own event, MANAGE_EVENTS for anyone else's; plus the channel's."""
    if not allows(held, CHANNEL_PERMISSIONS[kind]):
        return False
    if create:
        return allows(held, Permission.CREATE_EVENTS)
    if allows(held, Permission.MANAGE_EVENTS):
        return True
    return own and allows(held, Permission.CREATE_EVENTS)


# -------------------------------------------------------------- automation


def due_status(event: ScheduledEvent, now: datetime) -> EventStatus:
    """Where Discord's automation has taken the event by ``now``: "An external event will
    automatically begin at its scheduled start time" and "automatically end at its scheduled
    end time". Not modelled: the voice and stage events that end minutes after the channel
    empties, and the SCHEDULED events cancelled "a few hours" after their start."""
    if event.entity_type is not EventEntityType.EXTERNAL or event.finished:
        return event.status
    status = event.status
    if status is EventStatus.SCHEDULED and now >= event.scheduled_start_time:
        status = EventStatus.ACTIVE
    end = event.scheduled_end_time
    if status is EventStatus.ACTIVE and end is not None and now >= end:
        status = EventStatus.COMPLETED
    return status

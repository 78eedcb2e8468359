"""Records rendered as Discord's JSON, shared by REST responses and gateway events."""

import msgspec

from emulator.rules.application_commands import CommandOption
from emulator.rules.clock import iso
from emulator.rules.components import ActionRow, Button, PartialEmoji, RowItem, SelectOption
from emulator.rules.embeds import Embed
from emulator.rules.jsontypes import JSONArray, JSONObject, JSONValue
from emulator.rules.state import (
    Attachment,
    Channel,
    ChannelType,
    Command,
    DMChannel,
    EventEntityType,
    Forward,
    Guild,
    GuildEmoji,
    InteractionMetadata,
    Member,
    Message,
    Reaction,
    Role,
    ScheduledEvent,
    User,
    VoiceState,
    World,
)


def user(record: User) -> JSONObject:
    body: JSONObject = {
        "id": str(record.id),
        "username": record.username,
        "global_name": record.global_name,
        "avatar": record.avatar,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
    }
    if record.bot:
        body["bot"] = True
    return body


def current_user(record: User) -> JSONObject:
    """``GET /users/@me``: the user plus the fields only its owner sees."""
    return user(record) | {"mfa_enabled": False, "locale": "en-US", "verified": True}


def role(record: Role) -> JSONObject:
    return {
        "id": str(record.id),
        "name": record.name,
        "permissions": str(record.permissions),
        "position": record.position,
        "color": record.color,
        "colors": {"primary_color": record.color, "secondary_color": None, "tertiary_color": None},
        "hoist": record.hoist,
        "managed": record.managed,
        "mentionable": record.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def member(world: World, record: Member) -> JSONObject:
    guild = world.guild(record.guild_id)
    voice = guild.voice_states.get(record.user_id)
    return {
        "user": user(world.user(record.user_id)),
        "nick": record.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in record.roles],
        "joined_at": iso(record.joined_at),
        "premium_since": None,
        "deaf": voice.deaf if voice else False,
        "mute": voice.mute if voice else False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }


def member_with_permissions(
    world: World, record: Member, *, channel_id: int | None = None
) -> JSONObject:
    """The ``member`` of an interaction, carrying the member's computed permissions: "in the
    channel, including overwrites" (Guild Member Object) when the channel is known."""
    if channel_id is None:
        permissions = world.permissions(record.guild_id, record.user_id)
    else:
        permissions = world.channel_permissions(channel_id, record.user_id)
    return member(world, record) | {"permissions": str(permissions)}


def channel(record: Channel) -> JSONObject:
    body: JSONObject = {
        "id": str(record.id),
        "type": int(record.type),
        "guild_id": str(record.guild_id),
        "name": record.name,
        "position": record.position,
        "flags": 0,
        "parent_id": str(record.parent_id) if record.parent_id else None,
        "permission_overwrites": [
            {"id": str(o.id), "type": int(o.type), "allow": str(o.allow), "deny": str(o.deny)}
            for o in record.overwrites
        ],
        "nsfw": False,
    }
    if record.type is ChannelType.GUILD_TEXT:
        body |= {
            "topic": record.topic,
            "rate_limit_per_user": 0,
            "last_message_id": str(record.last_message_id) if record.last_message_id else None,
        }
    elif record.type is ChannelType.GUILD_VOICE:
        body |= {"bitrate": 64000, "user_limit": 0, "rtc_region": None, "rate_limit_per_user": 0}
    return body


def dm_channel(world: World, record: DMChannel) -> JSONObject:
    """A DM channel as Create DM and Get Channel answer it (Channel resource, "Example DM
    Channel"; OpenAPI ``PrivateChannelResponse``): no guild, no name, its recipient."""
    return {
        "id": str(record.id),
        "type": int(record.type),
        "last_message_id": str(record.last_message_id) if record.last_message_id else None,
        "flags": 0,
        "recipients": [user(world.user(record.recipient_id))],
    }


def any_channel(world: World, record: Channel | DMChannel) -> JSONObject:
    return dm_channel(world, record) if isinstance(record, DMChannel) else channel(record)


def scheduled_event(
    world: World, record: ScheduledEvent, *, with_user_count: bool = False
) -> JSONObject:
    """A guild scheduled event as Discord returns it (Guild Scheduled Event Object; OpenAPI
    ``ExternalScheduledEventResponse`` / ``VoiceScheduledEventResponse``): ``entity_metadata``
    carries the location of an EXTERNAL event and is null otherwise; ``user_count`` only when
    asked (``with_user_count``)."""
    external = record.entity_type is EventEntityType.EXTERNAL
    body: JSONObject = {
        "id": str(record.id),
        "guild_id": str(record.guild_id),
        "channel_id": str(record.channel_id) if record.channel_id is not None else None,
        "creator_id": str(record.creator_id),
        "creator": user(world.user(record.creator_id)),
        "name": record.name,
        "description": record.description,
        "image": record.image,
        "scheduled_start_time": iso(record.scheduled_start_time),
        "scheduled_end_time": (
            iso(record.scheduled_end_time) if record.scheduled_end_time is not None else None
        ),
        "privacy_level": record.privacy_level,
        "status": int(record.status),
        "entity_type": int(record.entity_type),
        "entity_id": None,
        "entity_metadata": {"location": record.location or ""} if external else None,
        "recurrence_rule": None,
        "guild_scheduled_event_exceptions": [],
    }
    if with_user_count:
        body["user_count"] = len(record.interested)
    return body


def voice_state(world: World, record: VoiceState, *, left: bool = False) -> JSONObject:
    """A voice state; after a leave (``left``) its ``channel_id`` is null."""
    return {
        "guild_id": str(record.guild_id),
        "channel_id": None if left else str(record.channel_id),
        "user_id": str(record.user_id),
        "member": member(world, world.member(record.guild_id, record.user_id)),
        "session_id": record.session_id,
        "deaf": record.deaf,
        "mute": record.mute,
        "self_deaf": record.self_deaf,
        "self_mute": record.self_mute,
        "self_stream": False,
        "self_video": False,
        "suppress": False,
        "request_to_speak_timestamp": None,
    }


def guild_create(world: World, record: Guild, *, joined_at: str) -> JSONObject:
    """The full guild of GUILD_CREATE: roles, members, channels and voice states."""
    return {
        "id": str(record.id),
        "name": record.name,
        "icon": record.icon,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(record.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "preferred_locale": "en-US",
        "features": [],
        "roles": [role(r) for r in record.roles.values()],
        "emojis": [guild_emoji(e) for e in record.emojis.values()],
        "stickers": [],
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        "member_count": len(record.members),
        "members": [member(world, m) for m in record.members.values()],
        "channels": [channel(c) for c in record.channels.values()],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [
            scheduled_event(world, e) for e in record.scheduled_events.values()
        ],
        "voice_states": [
            {k: v for k, v in voice_state(world, v).items() if k != "member"}
            for v in record.voice_states.values()
        ],
    }


def guild_emoji(record: GuildEmoji) -> JSONObject:
    return {
        "id": str(record.id),
        "name": record.name,
        "roles": [],
        "require_colons": True,
        "managed": False,
        "animated": record.animated,
        "available": True,
    }


def _emoji(emoji: PartialEmoji) -> JSONObject:
    """A component's emoji: ``name`` always, ``id`` only for a custom one."""
    body: JSONObject = {"name": emoji.name or ""}
    if emoji.custom_id is not None:
        body["id"] = str(emoji.custom_id)
    if emoji.animated:
        body["animated"] = True
    return body


def _option(option: SelectOption) -> JSONObject:
    body: JSONObject = {
        "label": option.label,
        "value": option.value,
        "default": bool(option.default),
    }
    if option.description is not None:
        body["description"] = option.description
    if option.emoji is not None:
        body["emoji"] = _emoji(option.emoji)
    return body


def _row_item(item: RowItem) -> JSONObject:
    if isinstance(item, Button):
        body: JSONObject = {
            "type": 2,
            "id": item.id,
            "style": item.style,
            "disabled": item.is_disabled,
        }
        for key, value in (
            ("label", item.label),
            ("custom_id", item.custom_id),
            ("url", item.url),
            ("sku_id", item.sku_id),
        ):
            if value is not None:
                body[key] = value
        if item.emoji is not None:
            body["emoji"] = _emoji(item.emoji)
        return body
    select: JSONObject = {
        "type": 3,
        "id": item.id,
        "custom_id": item.custom_id,
        "options": [_option(o) for o in item.options],
        "min_values": item.fewest,
        "max_values": item.most,
        "disabled": item.is_disabled,
    }
    if item.placeholder is not None:
        select["placeholder"] = item.placeholder
    return select


def components(rows: list[ActionRow]) -> JSONArray:
    return [
        {"type": 1, "id": row.id, "components": [_row_item(i) for i in row.components]}
        for row in rows
    ]


def attachment(record: Attachment, *, cdn: str, channel_id: int) -> JSONObject:
    url = f"{cdn}/attachments/{channel_id}/{record.id}/{record.filename}"
    body: JSONObject = {
        "id": str(record.id),
        "filename": record.filename,
        "size": len(record.data),
        "url": url,
        "proxy_url": url,
        "content_type": record.content_type,
    }
    if record.description is not None:
        body["description"] = record.description
    return body


def _reaction(record: Reaction, viewer: int) -> JSONObject:
    emoji_id = str(record.emoji.id) if record.emoji.id is not None else None
    return {
        "emoji": {"id": emoji_id, "name": record.emoji.name},
        "count": len(record.users),
        "count_details": {"burst": 0, "normal": len(record.users)},
        "burst_colors": [],
        "me": viewer in record.users,
        "me_burst": False,
    }


SNAPSHOT_FIELDS = (
    "type",
    "content",
    "embeds",
    "attachments",
    "timestamp",
    "edited_timestamp",
    "flags",
    "mentions",
    "mention_roles",
    "components",
)
"""A snapshot's "minimal subset of fields" (Message Snapshot Structure; the emulator keeps no
stickers, the rest of the list)."""


def message(
    world: World, record: Message, *, cdn: str, viewer: int, nested: bool = False
) -> JSONObject:
    """A message as ``viewer`` sees it (``me`` on reactions).

    A reply carries ``message_reference`` and the message it replies to (``null`` once that
    is deleted), which itself comes without its own ``referenced_message`` (``nested``). A
    forward carries a FORWARD ``message_reference`` and its one ``message_snapshots`` entry.
    """
    body: JSONObject = {
        "id": str(record.id),
        "channel_id": str(record.channel_id),
        "type": record.type,
        "content": record.content,
        "author": user(world.user(record.author_id)),
        "timestamp": iso(record.timestamp),
        "edited_timestamp": iso(record.edited_timestamp) if record.edited_timestamp else None,
        "tts": record.tts,
        "mention_everyone": record.mention_everyone,
        "mentions": [user(world.user(u)) for u in record.mentions if u in world.users],
        "mention_roles": [str(r) for r in record.mention_roles],
        "attachments": [
            attachment(a, cdn=cdn, channel_id=record.channel_id) for a in record.attachments
        ],
        "embeds": [embed(e) for e in record.embeds],
        "components": components(record.components),
        "pinned": False,
        "flags": record.flags,
    }
    if record.reactions:
        body["reactions"] = [_reaction(r, viewer) for r in record.reactions]
    if record.reference_id is not None:
        body.update(
            _reply(world, record, record.reference_id, cdn=cdn, viewer=viewer, nested=nested)
        )
    if record.forward is not None:
        body.update(_forwarded(world, record.forward, cdn=cdn, viewer=viewer))
    if record.webhook_id is not None:
        body["webhook_id"] = str(record.webhook_id)
    if record.application_id is not None:
        body["application_id"] = str(record.application_id)
    if record.interaction is not None:
        body["interaction_metadata"] = _interaction_metadata(
            world, record.interaction, record.guild_id
        )
    return body


def _reply(
    world: World, record: Message, reference_id: int, *, cdn: str, viewer: int, nested: bool
) -> JSONObject:
    """A reply's DEFAULT ``message_reference`` and, unless ``nested``, the message it replies
    to (``null`` once that is deleted)."""
    reference: JSONObject = {
        "type": 0,
        "message_id": str(reference_id),
        "channel_id": str(record.channel_id),
    }
    if record.guild_id is not None:
        reference["guild_id"] = str(record.guild_id)
    fields: JSONObject = {"message_reference": reference}
    if not nested:
        replied = world.messages.get(reference_id)
        fields["referenced_message"] = (
            message(world, replied, cdn=cdn, viewer=viewer, nested=True) if replied else None
        )
    return fields


def _forwarded(world: World, forward: Forward, *, cdn: str, viewer: int) -> JSONObject:
    """A forward's FORWARD ``message_reference`` and its one ``message_snapshots`` entry."""
    pointer: JSONObject = {
        "type": 1,
        "message_id": str(forward.message_id),
        "channel_id": str(forward.channel_id),
    }
    if forward.guild_id is not None:  # a message of a DM has no guild
        pointer["guild_id"] = str(forward.guild_id)
    copy = message(world, forward.snapshot, cdn=cdn, viewer=viewer, nested=True)
    return {
        "message_reference": pointer,
        "message_snapshots": [{"message": {k: copy[k] for k in SNAPSHOT_FIELDS}}],
    }


def _interaction_metadata(
    world: World, meta: InteractionMetadata, guild_id: int | None
) -> JSONObject:
    """The interaction that produced the message, owned by its guild's installation."""
    owners: JSONObject = {"0": str(guild_id)}
    return {
        "id": str(meta.id),
        "type": meta.type,
        "user": user(world.user(meta.user_id)),
        "authorizing_integration_owners": owners,
    }


def message_event(
    world: World, record: Message, *, cdn: str, viewer: int, created: bool = False
) -> JSONObject:
    """MESSAGE_CREATE / MESSAGE_UPDATE: the message plus ``guild_id`` and the author's member
    (neither in a DM: "guild_id?", "member?" in Gateway Events > Message Create)."""
    body = message(world, record, cdn=cdn, viewer=viewer)
    if created and record.nonce is not None:
        body["nonce"] = record.nonce  # only MESSAGE_CREATE and the create answer echo it
    if record.guild_id is None:
        return body
    body["guild_id"] = str(record.guild_id)
    author = world.guild(record.guild_id).members.get(record.author_id)
    if author is not None and record.webhook_id is None:
        body["member"] = {k: v for k, v in member(world, author).items() if k != "user"}
    return body


def embed(record: Embed) -> JSONObject:
    """A stored (normalised) embed: only the fields it has, images with their proxy URL."""
    body = _present(msgspec.to_builtins(record))
    for key in ("image", "thumbnail", "video"):
        media = body.get(key)
        if isinstance(media, dict) and isinstance(media.get("url"), str):
            media["proxy_url"] = media["url"]
    footer = body.get("footer")
    if isinstance(footer, dict) and isinstance(footer.get("icon_url"), str):
        footer["proxy_icon_url"] = footer["icon_url"]
    body["content_scan_version"] = 0
    return body


def _present(value: JSONObject) -> JSONObject:
    """``value`` without its null members, all the way down."""

    def clean(item: JSONValue) -> JSONValue:
        if isinstance(item, dict):
            return {k: clean(v) for k, v in item.items() if v is not None}
        if isinstance(item, list):
            return [clean(v) for v in item]
        return item

    cleaned = clean(value)
    assert isinstance(cleaned, dict)
    return cleaned


def _command_option(option: CommandOption) -> JSONObject:
    """An option as Discord answers it: localisations always (null when none), ``required``
    and ``autocomplete`` only when true, the other fields only when set."""
    body: JSONObject = {
        "type": option.type,
        "name": option.name,
        "name_localizations": dict(option.name_localizations or {}) or None,
        "description": option.description,
        "description_localizations": dict(option.description_localizations or {}) or None,
    }
    if option.required:
        body["required"] = True
    if option.choices:
        body["choices"] = [
            {
                "name": c.name,
                "name_localizations": dict(c.name_localizations or {}) or None,
                "value": c.value,
            }
            for c in option.choices
        ]
    if option.channel_types:
        body["channel_types"] = list(option.channel_types)
    for key in ("min_value", "max_value", "min_length", "max_length"):
        value = getattr(option, key)
        if value is not None:
            body[key] = value
    if option.autocomplete:
        body["autocomplete"] = True
    if option.options:
        body["options"] = [_command_option(o) for o in option.options]
    return body


def command(record: Command) -> JSONObject:
    """An application command as Discord returns it: every field of its object, defaults filled
    (``nsfw`` false, ``integration_types`` [0]), nothing the bot sent that Discord does not keep."""
    spec = record.spec
    body: JSONObject = {
        "id": str(record.id),
        "application_id": str(record.application_id),
        "version": str(record.version),
        "default_member_permissions": (
            str(record.default_member_permissions)
            if record.default_member_permissions is not None
            else None
        ),
        "type": record.type,
        "name": record.name,
        "name_localizations": dict(spec.name_localizations or {}) or None,
        "description": record.description,
        "description_localizations": dict(spec.description_localizations or {}) or None,
        "nsfw": bool(spec.nsfw),
        "integration_types": list(spec.integration_types or [0]),
        "contexts": list(spec.contexts) if spec.contexts is not None else None,
    }
    if record.guild_id is not None:
        body["guild_id"] = str(record.guild_id)
    else:
        body["dm_permission"] = spec.dm_permission is not False
    if record.options:
        body["options"] = [_command_option(o) for o in record.options]
    return body

"""Records rendered as Discord's JSON, shared by REST responses and gateway events."""

from emulator.clock import iso
from emulator.components import ActionRow, Button, PartialEmoji, RowItem, SelectOption
from emulator.jsontypes import JSONArray, JSONObject
from emulator.state import (
    Attachment,
    Channel,
    ChannelType,
    Command,
    Guild,
    Member,
    Message,
    Reaction,
    Role,
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


def member_with_permissions(world: World, record: Member) -> JSONObject:
    """The ``member`` of an interaction, carrying the member's computed permissions."""
    permissions = world.permissions(record.guild_id, record.user_id)
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
        "permission_overwrites": [],
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
        "icon": None,
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
        "emojis": [],
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
        "guild_scheduled_events": [],
        "voice_states": [
            {k: v for k, v in voice_state(world, v).items() if k != "member"}
            for v in record.voice_states.values()
        ],
    }


def _emoji(emoji: PartialEmoji | None) -> JSONObject | None:
    if emoji is None:
        return None
    return {"id": emoji.id, "name": emoji.name, "animated": emoji.animated}


def _option(option: SelectOption) -> JSONObject:
    body: JSONObject = {"label": option.label, "value": option.value, "default": option.default}
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
            "disabled": item.disabled,
        }
        for key, value in (("label", item.label), ("custom_id", item.custom_id), ("url", item.url)):
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
        "min_values": item.min_values,
        "max_values": item.max_values,
        "disabled": item.disabled,
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


def message(world: World, record: Message, *, cdn: str, viewer: int) -> JSONObject:
    """A message as ``viewer`` sees it (``me`` on reactions)."""
    body: JSONObject = {
        "id": str(record.id),
        "channel_id": str(record.channel_id),
        "type": record.type,
        "content": record.content,
        "author": user(world.user(record.author_id)),
        "timestamp": iso(record.timestamp),
        "edited_timestamp": iso(record.edited_timestamp) if record.edited_timestamp else None,
        "tts": record.tts,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [
            attachment(a, cdn=cdn, channel_id=record.channel_id) for a in record.attachments
        ],
        "embeds": list(record.embeds),
        "components": components(record.components),
        "pinned": False,
        "flags": record.flags,
    }
    if record.reactions:
        body["reactions"] = [_reaction(r, viewer) for r in record.reactions]
    if record.webhook_id is not None:
        body["webhook_id"] = str(record.webhook_id)
    if record.application_id is not None:
        body["application_id"] = str(record.application_id)
    if record.interaction is not None:
        meta = record.interaction
        owners: JSONObject = {"0": str(record.guild_id)}
        body["interaction_metadata"] = {
            "id": str(meta.id),
            "type": meta.type,
            "user": user(world.user(meta.user_id)),
            "authorizing_integration_owners": owners,
        }
    return body


def message_event(world: World, record: Message, *, cdn: str, viewer: int) -> JSONObject:
    """MESSAGE_CREATE / MESSAGE_UPDATE: the message plus ``guild_id`` and the author's member."""
    body = message(world, record, cdn=cdn, viewer=viewer) | {"guild_id": str(record.guild_id)}
    author = world.guild(record.guild_id).members.get(record.author_id)
    if author is not None and record.webhook_id is None:
        body["member"] = {k: v for k, v in member(world, author).items() if k != "user"}
    return body


def command(record: Command) -> JSONObject:
    """An application command: what the bot sent, completed with Discord's fields."""
    body: JSONObject = dict(record.raw)
    body |= {
        "id": str(record.id),
        "application_id": str(record.application_id),
        "version": str(record.version),
        "type": record.type,
        "name": record.name,
        "description": record.description,
        "default_member_permissions": (
            str(record.default_member_permissions)
            if record.default_member_permissions is not None
            else None
        ),
    }
    if record.guild_id is not None:
        body["guild_id"] = str(record.guild_id)
    else:
        body.pop("guild_id", None)
    body.setdefault("nsfw", False)
    return body

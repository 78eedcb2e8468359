"""Discord permission bits and how a member's guild and channel permissions are computed."""

from dataclasses import dataclass
from enum import IntEnum, IntFlag


class Permission(IntFlag):
    """The permission bits the emulator checks or hands out."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    """Edit and delete anyone's scheduled events (Permissions > Bitwise Permission Flags)."""
    CREATE_EVENTS = 1 << 44
    """Create scheduled events, and edit and delete the ones one created (same table)."""
    SET_VOICE_CHANNEL_STATUS = 1 << 48
    """Set a voice channel's status (same table; see ``emulator.rules.voice_status_rules``)."""


ALL_PERMISSIONS = (1 << 51) - 1

NEEDS_SEND_MESSAGES = (
    Permission.MENTION_EVERYONE
    | Permission.SEND_TTS_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
)

EVERYONE_DEFAULT = (
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.USE_VAD
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
)

BOT_DEFAULT = (
    EVERYONE_DEFAULT
    | Permission.MANAGE_MESSAGES
    | Permission.MOVE_MEMBERS
    | Permission.MUTE_MEMBERS
    | Permission.DEAFEN_MEMBERS
    | Permission.CREATE_EVENTS  # squadtime's invite asks for it (docs/discord-setup.md)
)


DM_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.USE_EXTERNAL_EMOJIS
)
"""What the bot may do in a DM: a DM has no roles nor overwrites. Discord's docs, Interactions >
Receiving and Responding: ``app_permissions`` "includes ``ATTACH_FILES | EMBED_LINKS |
MENTION_EVERYONE`` for (G)DMs with other users, and additionally includes
``USE_EXTERNAL_EMOJIS`` for DMs with the app's bot user" (a DM has nobody to @everyone).
Managing the other side's messages is not among them: that is 50003."""


def guild_permissions(*, is_owner: bool, role_permissions: list[int]) -> int:
    """Base permissions: the owner and administrators hold everything, others the OR of roles."""
    if is_owner:
        return ALL_PERMISSIONS
    combined = 0
    for bits in role_permissions:
        combined |= bits
    if combined & Permission.ADMINISTRATOR:
        return ALL_PERMISSIONS
    return combined


def allows(held: int, required: int) -> bool:
    """Whether ``held`` covers every bit of ``required`` (administrators hold all)."""
    return bool(held & Permission.ADMINISTRATOR) or held & required == required


class OverwriteType(IntEnum):
    ROLE = 0
    MEMBER = 1


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel's permission overwrite for a role (``type`` 0) or a member (``type`` 1)."""

    id: int
    type: OverwriteType
    allow: int = 0
    deny: int = 0


def channel_permissions(
    base: int,
    *,
    guild_id: int,
    user_id: int,
    roles: list[int],
    overwrites: list[Overwrite],
) -> int:
    """A member's permissions in a channel, from their guild permissions ``base``.

    Discord's documentation, "Permissions" > "Permission Overwrites" (its
    ``compute_overwrites``): administrators keep everything; then the @everyone overwrite
    (its id is the guild's), then the member's role overwrites combined (all denies, then all
    allows), then the member's own. "Implicit Permissions" on the same page: without View
    Channel nothing else holds in the channel, and without Send Messages neither do Mention
    Everyone, Send TTS, Embed Links nor Attach Files.
    """
    if base & Permission.ADMINISTRATOR:
        return ALL_PERMISSIONS
    by_target = {(o.type, o.id): o for o in overwrites}
    held = base
    everyone = by_target.get((OverwriteType.ROLE, guild_id))
    if everyone is not None:
        held = (held & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in roles:
        found = by_target.get((OverwriteType.ROLE, role_id))
        if found is not None:
            allow |= found.allow
            deny |= found.deny
    held = (held & ~deny) | allow
    member = by_target.get((OverwriteType.MEMBER, user_id))
    if member is not None:
        held = (held & ~member.deny) | member.allow
    if not held & Permission.VIEW_CHANNEL:
        return 0
    if not held & Permission.SEND_MESSAGES:
        held &= ~NEEDS_SEND_MESSAGES
    return held

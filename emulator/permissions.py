"""Discord permission bits and how a member's guild permissions are computed."""

from enum import IntFlag


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


ALL_PERMISSIONS = (1 << 51) - 1

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
)


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

"""Discord's permission bits that squadtime checks, and who counts as an admin.

Discord's documentation, "Permissions": bit 3 is ADMINISTRATOR (it implies every other
permission), bit 5 MANAGE_GUILD ("Manage Server"). A guild's owner holds every permission
whatever the roles say. Admin commands carry ``default_member_permissions`` and are
checked again by the service that owns them, from the permissions Discord puts in the
interaction (server owners can override who may use a command).
"""

from __future__ import annotations

from enum import IntFlag


class Permission(IntFlag):
    ADMINISTRATOR = 1 << 3
    MANAGE_GUILD = 1 << 5


ADMIN_PERMISSIONS = Permission.MANAGE_GUILD
"""What an admin command asks for (``default_member_permissions``)."""


def is_admin(permissions: int, *, user_id: int = 0, owner_id: int = 0) -> bool:
    """Manage Server or Administrator in these permissions, or the guild's owner."""
    if permissions & (Permission.MANAGE_GUILD | Permission.ADMINISTRATOR):
        return True
    return owner_id != 0 and user_id == owner_id

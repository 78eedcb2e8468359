"""Who counts as an admin: Manage Server, Administrator, or the guild's owner."""

from __future__ import annotations

import pytest

from services.runtime.permissions import ADMIN_PERMISSIONS, Permission, is_admin


@pytest.mark.parametrize(
    ("permissions", "user_id", "owner_id", "admin"),
    [
        (int(Permission.MANAGE_GUILD), 1, 0, True),
        (int(Permission.ADMINISTRATOR), 1, 0, True),
        (1 << 11, 1, 0, False),  # Send Messages only
        (0, 7, 7, True),  # the owner, whatever the roles say
        (0, 7, 8, False),
        (0, 0, 0, False),  # no owner known: nobody is the owner
    ],
)
def test_is_admin(permissions: int, user_id: int, owner_id: int, admin: bool) -> None:
    """Discord's bits 3 and 5, or owning the guild."""
    assert is_admin(permissions, user_id=user_id, owner_id=owner_id) is admin


def test_admin_commands_ask_for_manage_server() -> None:
    """default_member_permissions of an admin command: bit 5, as Discord spells it ("32")."""
    assert str(int(ADMIN_PERMISSIONS)) == "32"

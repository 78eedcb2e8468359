"""Who a message mentions, and whom it pings: what Discord computes from the content.

Discord's documentation, Message resource: "Message Object" (``mentions``: users specifically
mentioned, ``mention_roles``, ``mention_everyone``) and "Allowed Mentions Object" (the
``allowed_mentions`` of create and edit bodies). Two facts the tables leave implicit:
- the lists hold what is *pinged*: a mention that ``allowed_mentions`` suppresses still shows
  as ``<@id>`` in the content but is not in ``mentions`` (discord/discord-api-docs#2126);
- "This will always validate against message content to avoid phantom pings ... and check
  against user/bot permissions": an id in ``users`` that the content does not mention pings no
  one, @everyone/@here pings only with Mention Everyone, and a role only when it is mentionable
  or the author has Mention Everyone.
Without ``allowed_mentions`` every mention in the content is parsed ("If you only pass content,
the mentions will resolve exactly as they do today", discord/discord-api-docs#1396).

Who is *notified* is decided once, when the message is sent (:func:`notified`): "While editing
a message will update its mentions data, it does not actually produce any notifications"
(Discord staff, discord/discord-api-docs#1419; "edits never notify", #5497). A DM notifies its
recipient whatever it mentions. ``SUPPRESS_NOTIFICATIONS`` ("@silent") still notifies, with a
badge and no push ("Allowed Mentions Object"), so it counts here and shows as ``silent``.
"""

import re
from dataclasses import dataclass
from typing import Literal

from emulator.rules.bodies import AllowedMentions
from emulator.rules.errors import FormErrors
from emulator.rules.permissions import Permission, allows
from emulator.rules.state import Guild, Message, World

USER_MENTION = re.compile(r"<@!?([0-9]{1,20})>")
ROLE_MENTION = re.compile(r"<@&([0-9]{1,20})>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)")

type MentionType = Literal["everyone", "roles", "users"]
PARSE_TYPES: tuple[MentionType, ...] = ("everyone", "roles", "users")
"""Allowed Mention Types."""
MAX_IDS = 100
"""``users`` and ``roles``: "Array of ... to mention (Max size of 100)"."""


@dataclass(frozen=True, slots=True)
class Mentions:
    users: list[int]
    roles: list[int]
    everyone: bool


NO_MENTIONS = Mentions(users=[], roles=[], everyone=False)


def check_allowed_mentions(allowed: AllowedMentions, found: FormErrors) -> None:
    """Parse values, at most 100 ids each, and ``parse: ["users"]`` with ``users: [...]``.

    The exclusivity is reported only when the lists themselves are valid, with Discord's
    code and message (``MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE``, as quoted in DPP's tests).
    """
    path = ("allowed_mentions",)
    valid = True
    for index, kind in enumerate(allowed.parse or []):
        if kind not in PARSE_TYPES:
            valid = False
            listed = ", ".join(repr(k) for k in PARSE_TYPES)
            found.add(
                (*path, "parse", index), "BASE_TYPE_CHOICES", f"Value must be one of ({listed})."
            )
    for key, ids in (("users", allowed.users), ("roles", allowed.roles)):
        if ids is not None and len(ids) > MAX_IDS:
            valid = False
            found.max_length((*path, key), MAX_IDS)
        for index, value in enumerate(ids or []):
            if _snowflake(value) is None:
                valid = False
                found.add(
                    (*path, key, index), "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.'
                )
    parse = allowed.parse or []
    for key, ids in (("users", allowed.users), ("roles", allowed.roles)):
        if valid and key in parse and ids:
            found.add(
                path,
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
            )


def compute(
    world: World,
    guild: Guild | None,
    content: str,
    allowed: AllowedMentions | None,
    *,
    author_permissions: int,
    replied_author: int | None,
) -> Mentions:
    """The users, roles and @everyone that ``content`` pings, ``allowed`` applied.

    ``replied_author`` is the author of the message replied to when the reply pings them.
    In a DM (``guild`` None) there are no roles to ping and nobody to @everyone.
    """
    parse = set(PARSE_TYPES) if allowed is None else set(allowed.parse or [])
    listed_users = {_snowflake(v) for v in (allowed.users or [])} if allowed else set()
    listed_roles = {_snowflake(v) for v in (allowed.roles or [])} if allowed else set()
    may_ping_all = allows(author_permissions, Permission.MENTION_EVERYONE)
    users: list[int] = []
    if replied_author is not None:
        users.append(replied_author)
    for match in USER_MENTION.finditer(content):
        user_id = int(match[1])
        pinged = "users" in parse or user_id in listed_users
        if pinged and user_id in world.users and user_id not in users:
            users.append(user_id)
    roles: list[int] = []
    if guild is None:
        return Mentions(users=users, roles=roles, everyone=False)
    for match in ROLE_MENTION.finditer(content):
        role = guild.roles.get(int(match[1]))
        if role is None or role.id == guild.id or role.id in roles:
            continue
        pinged = "roles" in parse or role.id in listed_roles
        if pinged and (role.mentionable or may_ping_all):
            roles.append(role.id)
    everyone = "everyone" in parse and may_ping_all and EVERYONE_MENTION.search(content) is not None
    return Mentions(users=users, roles=roles, everyone=everyone)


def notified(world: World, message: Message) -> frozenset[int]:
    """Who ``message`` notifies as it stands: in a guild, the members it pings (named, holding a
    pinged role, or @everyone) who can see the channel; in a DM, the other side. Never its
    author; an ephemeral message only the one who sees it."""
    found: set[int] = set()
    dm = world.dm_channels.get(message.channel_id)
    guild = world.guilds.get(message.guild_id) if message.guild_id is not None else None
    if dm is not None:
        found.add(dm.other_side(message.author_id))
    elif guild is not None:
        roles = set(message.mention_roles)
        for member in guild.members.values():
            named = member.user_id in message.mentions
            if message.mention_everyone or named or roles.intersection(member.roles):
                found.add(member.user_id)
        viewing = Permission.VIEW_CHANNEL
        found = {
            u for u in found if allows(world.channel_permissions(message.channel_id, u), viewing)
        }
    found.discard(message.author_id)
    if message.visible_to is not None:
        found &= {message.visible_to}
    return frozenset(found)


def _snowflake(value: str | int) -> int | None:
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= 20:
        return int(text)
    return None

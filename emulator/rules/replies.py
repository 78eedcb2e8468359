"""The parts of a new message that only Create Message takes: a reply's or a forward's
reference, a nonce.

Discord's documentation, Message resource: "Create Message" (``message_reference``, ``nonce``
"used to verify a message was sent (up to 25 characters)", ``enforce_nonce``), "Message
Reference Structure", "Message Reference Types" and "Message Reference Content Attribution".
A reply names a message of the same channel; one that is not there is 400 50035
``MESSAGE_REFERENCE_UNKNOWN_MESSAGE`` (the code bots match on in public code), unless
``fail_if_not_exists`` is false, when the message goes out as a plain one.

A forward (``type`` 1, FORWARD) names a message of any channel the author can see, by
``message_id`` and ``channel_id`` ("Required fields: type, message_id, channel_id"), and carries
nothing of its own: "When forwarding a message, only message_reference is required", and
Discord refuses content, embeds, components or files beside it (its docs' issue tracker,
discord/discord-api-docs#7574 and #8561: "All other content keys (such as content, embeds,
components) are disallowed and throw an error"). Only "messages with type DEFAULT, REPLY,
CHAT_INPUT_COMMAND, or CONTEXT_MENU_COMMAND" can be forwarded. Both refusals are 50035
``FORWARD_CONTAINS_UNSUPPORTED_CONTENT``, the code public bots match on; Discord does not say
where in the ``errors`` tree it puts it, so the emulator puts it on ``message_reference``.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from emulator.rules import errors
from emulator.rules.bodies import CreateMessageBody, MessageReference
from emulator.rules.errors import FormErrors
from emulator.rules.permissions import Permission
from emulator.rules.state import Forward, Message, World

DEFAULT_REFERENCE, FORWARD = 0, 1
"""Message Reference Types."""
REPLY = 19
"""Message type REPLY (Message Object > Message Types)."""
FORWARDABLE = (0, 19, 20, 23)
"""DEFAULT, REPLY, CHAT_INPUT_COMMAND and CONTEXT_MENU_COMMAND messages."""
MAX_NONCE_LENGTH = 25
INT64 = 1 << 63
NONCE_WINDOW = timedelta(minutes=5)
"""``enforce_nonce`` looks back "the past few minutes"; Discord does not say how many."""


def referenced(
    world: World, channel_id: int, reference: MessageReference, found: FormErrors
) -> Message | None:
    """The message a reply refers to, or None when it may go out without one."""
    path = ("message_reference",)
    if reference.type not in (None, DEFAULT_REFERENCE):
        # Discord's docs list DEFAULT and FORWARD (handled by ``forwarded``); the OpenAPI
        # description lists DEFAULT only.
        found.choices((*path, "type"), (DEFAULT_REFERENCE, FORWARD))
        return None
    wanted = _ids(reference, found)
    if wanted is None:
        return None
    message_id, named_channel, _ = wanted
    assert message_id is not None  # msgspec requires it
    target = world.messages.get(message_id)
    if (
        target is not None
        and target.channel_id == channel_id
        and target.visible_to is None
        and named_channel in (None, channel_id)
    ):
        return target
    if reference.fail_if_not_exists is not False:
        found.add(path, "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
    return None


def _ids(reference: MessageReference, found: FormErrors) -> list[int | None] | None:
    """``message_id``, ``channel_id`` and ``guild_id`` as numbers, None when one is not one."""
    wanted: list[int | None] = []
    for key, value in (
        ("message_id", reference.message_id),
        ("channel_id", reference.channel_id),
        ("guild_id", reference.guild_id),
    ):
        if value is None:
            wanted.append(None)
            continue
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= 20):
            where = ("message_reference", key)
            found.add(where, "NUMBER_TYPE_COERCE", f'Value "{text}" is not snowflake.')
            return None
        wanted.append(int(text))
    return wanted


def _unsupported(found: FormErrors) -> None:
    found.add(
        ("message_reference",),
        "FORWARD_CONTAINS_UNSUPPORTED_CONTENT",
        "Forward contains unsupported content",
    )


def forwarded(
    world: World,
    author_id: int,
    reference: MessageReference,
    body: CreateMessageBody,
    has_files: bool,
    found: FormErrors,
) -> Forward | None:
    """What a forward (``reference``, of type FORWARD, sent with ``body``) carries, or None
    when it goes out without it (``fail_if_not_exists`` false; it is then an empty message).

    The author must see the message's channel ("the requestor must have VIEW_CHANNEL
    permissions"): 403 50001 Missing Access otherwise, as for any channel it cannot see.
    """
    if body.content or body.embeds or body.components or has_files:
        _unsupported(found)
    wanted = _ids(reference, found)
    if wanted is None:
        return None
    message_id, channel_id, guild_id = wanted
    if channel_id is None:
        found.required(("message_reference", "channel_id"))
        return None
    assert message_id is not None  # msgspec requires it
    target = world.messages.get(message_id)
    channel = world.channels.get(channel_id)
    if target is not None and channel is not None:
        member = author_id in world.guild(channel.guild_id).members
        if not (
            member and world.channel_permissions(channel_id, author_id) & Permission.VIEW_CHANNEL
        ):
            raise errors.missing_access()
    if (
        target is None
        or target.channel_id != channel_id
        or target.visible_to is not None
        or guild_id not in (None, target.guild_id)
    ):
        if reference.fail_if_not_exists is not False:
            found.add(
                ("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
            )
        return None
    if target.type not in FORWARDABLE or target.forward is not None:
        # "we currently limit the depth of nesting to 1": a forward is not forwarded again.
        _unsupported(found)
        return None
    return _forward_of(target)


def _forward_of(target: Message) -> Forward:
    """A forward of ``target`` with its snapshot: a copy taken now (its lists copied too, so
    a later edit of the original never reaches it), without reactions."""
    return Forward(
        message_id=target.id,
        channel_id=target.channel_id,
        guild_id=target.guild_id,
        snapshot=replace(
            target,
            components=list(target.components),
            embeds=list(target.embeds),
            attachments=list(target.attachments),
            reactions=[],
            mentions=list(target.mentions),
            mention_roles=list(target.mention_roles),
        ),
    )


def check_nonce(nonce: int | str | None, found: FormErrors) -> None:
    """A string of at most 25 characters or a 64-bit integer (OpenAPI ``MessageCreateRequest``)."""
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE_LENGTH:
        found.max_length(("nonce",), MAX_NONCE_LENGTH)
    elif isinstance(nonce, int) and nonce >= INT64:
        found.too_big(("nonce",), INT64 - 1)
    elif isinstance(nonce, int) and nonce < -INT64:
        found.too_small(("nonce",), -INT64)


def same_nonce(
    world: World, channel_id: int, author_id: int, nonce: int | str, now: datetime
) -> Message | None:
    """The author's message of the last few minutes that carried ``nonce`` (``enforce_nonce``)."""
    for message in reversed(world.channel_messages(channel_id)):
        if now - message.timestamp > NONCE_WINDOW:
            return None
        if message.author_id == author_id and message.nonce == nonce:
            return message
    return None

"""The parts of a new message that only Create Message takes: a reply's reference, a nonce.

Discord's documentation, Message resource: "Create Message" (``message_reference``, ``nonce``
"used to verify a message was sent (up to 25 characters)", ``enforce_nonce``) and "Message
Reference Structure". A reply names a message of the same channel; one that is not there is
400 50035 ``MESSAGE_REFERENCE_UNKNOWN_MESSAGE`` (the code bots match on in public code), unless
``fail_if_not_exists`` is false, when the message goes out as a plain one.
"""

from datetime import datetime, timedelta

from emulator.bodies import MessageReference
from emulator.errors import FormErrors
from emulator.state import Message, World

REPLY = 19
"""Message type REPLY (Message Object > Message Types)."""
MAX_NONCE_LENGTH = 25
INT64 = 1 << 63
NONCE_WINDOW = timedelta(minutes=5)
"""``enforce_nonce`` looks back "the past few minutes"; Discord does not say how many."""


def referenced(
    world: World, channel_id: int, reference: MessageReference, found: FormErrors
) -> Message | None:
    """The message a reply refers to, or None when it may go out without one."""
    path = ("message_reference",)
    if reference.type not in (None, 0):
        found.choices((*path, "type"), (0,))  # the description lists DEFAULT only
        return None
    wanted: list[int] = []
    for key, value in (("message_id", reference.message_id), ("channel_id", reference.channel_id)):
        if value is None:
            continue
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= 20):
            found.add((*path, key), "NUMBER_TYPE_COERCE", f'Value "{text}" is not snowflake.')
            return None
        wanted.append(int(text))
    message_id, *elsewhere = wanted
    target = world.messages.get(message_id)
    if (
        target is not None
        and target.channel_id == channel_id
        and target.visible_to is None
        and elsewhere in ([], [channel_id])
    ):
        return target
    if reference.fail_if_not_exists is not False:
        found.add(path, "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
    return None


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

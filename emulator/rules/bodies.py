"""Typed request bodies, decoded and type-checked with msgspec before a handler acts on them.

Fields Discord's OpenAPI description marks nullable (``MessageCreateRequest.tts``...) take an
explicit ``null`` as absent; unknown keys are ignored, as Discord ignores them.
"""

import msgspec

from emulator.rules.components import ActionRow
from emulator.rules.embeds import Embed


class AttachmentRef(msgspec.Struct, kw_only=True):
    """An entry of ``attachments``: a new upload (``files[id]``) or an attachment to keep."""

    id: int | str
    filename: str | None = None
    description: str | None = None


class AllowedMentions(msgspec.Struct, kw_only=True):
    """``allowed_mentions`` as sent (OpenAPI ``MessageAllowedMentionsRequest``, all nullable);
    its rules are in ``emulator.rules.mentions``."""

    parse: list[str] | None = None
    users: list[str | int] | None = None
    roles: list[str | int] | None = None
    replied_user: bool | None = None


class MessageBody(msgspec.Struct, kw_only=True):
    """The message fields shared by create, edit, webhook and interaction-callback bodies.

    Absent fields are ``UNSET`` so an edit changes only what it names.
    """

    content: str | msgspec.UnsetType | None = msgspec.UNSET
    tts: bool | None = None
    embeds: list[Embed] | msgspec.UnsetType | None = msgspec.UNSET
    components: list[ActionRow] | msgspec.UnsetType | None = msgspec.UNSET
    attachments: list[AttachmentRef] | msgspec.UnsetType | None = msgspec.UNSET
    flags: int | msgspec.UnsetType | None = msgspec.UNSET
    allowed_mentions: AllowedMentions | None = None


class MessageReference(msgspec.Struct, kw_only=True):
    """``message_reference`` (OpenAPI ``MessageReferenceRequest``): a reply names its message."""

    message_id: int | str
    channel_id: int | str | None = None
    guild_id: int | str | None = None
    fail_if_not_exists: bool | None = None
    type: int | None = None


class CreateMessageBody(MessageBody, kw_only=True):
    """``POST /channels/{id}/messages``: a message, plus a reply's reference and a nonce."""

    message_reference: MessageReference | None = None
    nonce: int | str | None = None
    enforce_nonce: bool | None = None


class Choice(msgspec.Struct, kw_only=True):
    """An autocomplete or option choice."""

    name: str
    value: str | int | float
    name_localizations: dict[str, str] | None = None


class CallbackData(MessageBody, kw_only=True):
    """``data`` of an interaction callback: message fields, or ``choices`` for autocomplete."""

    choices: list[Choice] | None = None


class CallbackBody(msgspec.Struct, kw_only=True):
    """``POST /interactions/{id}/{token}/callback``."""

    type: int
    data: CallbackData | None = None

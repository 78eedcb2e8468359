"""Typed request bodies, decoded and type-checked with msgspec before a handler acts on them."""

import msgspec

from emulator.components import ActionRow


class AttachmentRef(msgspec.Struct, kw_only=True):
    """An entry of ``attachments``: a new upload (``files[id]``) or an attachment to keep."""

    id: int | str
    filename: str | None = None
    description: str | None = None


class MessageBody(msgspec.Struct, kw_only=True):
    """The message fields shared by create, edit, webhook and interaction-callback bodies.

    Absent fields are ``UNSET`` so an edit changes only what it names.
    """

    content: str | msgspec.UnsetType | None = msgspec.UNSET
    tts: bool = False
    embeds: list[msgspec.Raw] | msgspec.UnsetType | None = msgspec.UNSET
    components: list[ActionRow] | msgspec.UnsetType | None = msgspec.UNSET
    attachments: list[AttachmentRef] | msgspec.UnsetType | None = msgspec.UNSET
    flags: int | msgspec.UnsetType | None = msgspec.UNSET


class Choice(msgspec.Struct, kw_only=True):
    """An autocomplete or option choice."""

    name: str
    value: str | int | float


class CallbackData(MessageBody, kw_only=True):
    """``data`` of an interaction callback: message fields, or ``choices`` for autocomplete."""

    choices: list[Choice] | None = None


class CallbackBody(msgspec.Struct, kw_only=True):
    """``POST /interactions/{id}/{token}/callback``."""

    type: int
    data: CallbackData | None = None


class CommandOption(msgspec.Struct, kw_only=True):
    """An application command option (or subcommand) as registered by the bot."""

    type: int
    name: str
    description: str = ""
    required: bool = False
    autocomplete: bool = False
    choices: list[Choice] | None = None
    options: list["CommandOption"] | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None


class CommandBody(msgspec.Struct, kw_only=True):
    """An application command as the bot creates or overwrites it."""

    name: str
    type: int = 1
    description: str = ""
    options: list[CommandOption] | None = None
    default_member_permissions: str | int | None = None
    id: str | int | None = None

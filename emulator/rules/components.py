"""Message components the emulator understands, action rows of buttons and string selects, and
Discord's rules for them.

Sources: Discord's docs, Components > Reference (``docs.discord.com/developers/components/
reference``: Action Row, Button, String Select) and the OpenAPI description's
``ButtonComponentForMessageRequest`` / ``StringSelectComponentForMessageRequest``. Fields the
description marks nullable (``disabled``, ``label``, ``min_values``...) accept an explicit
``null``; it reads as absent.
"""

from collections.abc import Callable

import msgspec

from emulator.rules.errors import FieldPath, FormErrors
from emulator.rules.limits import Rules


class PartialEmoji(msgspec.Struct, kw_only=True):
    """An emoji on a button or select option: a Unicode ``name``, or a custom emoji's ``id``."""

    id: str | int | None = None
    name: str | None = None
    animated: bool | None = None

    @property
    def custom_id(self) -> int | None:
        """The custom emoji's id, when it is one (a malformed id counts as none)."""
        text = str(self.id) if self.id is not None else ""
        return int(text) if text.isascii() and text.isdigit() else None


class SelectOption(msgspec.Struct, kw_only=True):
    """One choice of a string select."""

    label: str
    value: str
    description: str | None = None
    emoji: PartialEmoji | None = None
    default: bool | None = None


class Button(msgspec.Struct, tag_field="type", tag=2, kw_only=True):
    """A button; ``custom_id`` buttons send interactions, link buttons carry a ``url``."""

    style: int
    id: int | None = None
    label: str | None = None
    custom_id: str | None = None
    url: str | None = None
    sku_id: str | None = None
    disabled: bool | None = None
    emoji: PartialEmoji | None = None

    @property
    def is_disabled(self) -> bool:
        return bool(self.disabled)


class StringSelect(msgspec.Struct, tag_field="type", tag=3, kw_only=True):
    """A string select menu."""

    custom_id: str
    options: list[SelectOption]
    id: int | None = None
    placeholder: str | None = None
    min_values: int | None = None
    max_values: int | None = None
    disabled: bool | None = None

    @property
    def is_disabled(self) -> bool:
        return bool(self.disabled)

    @property
    def fewest(self) -> int:
        """How many options a member must pick (``min_values``, default 1)."""
        return 1 if self.min_values is None else self.min_values

    @property
    def most(self) -> int:
        """How many options a member may pick (``max_values``, default 1)."""
        return 1 if self.max_values is None else self.max_values


type RowItem = Button | StringSelect


class ActionRow(msgspec.Struct, tag_field="type", tag=1, kw_only=True):
    """A row of up to five buttons or one select."""

    components: list[RowItem]
    id: int | None = None


def number_components(rows: list[ActionRow]) -> list[ActionRow]:
    """Give every component without one a sequential ``id``, as Discord does."""
    next_id = 1
    for row in rows:
        row.id = row.id if row.id is not None else next_id
        next_id = max(next_id, row.id) + 1
        for item in row.components:
            item.id = item.id if item.id is not None else next_id
            next_id = max(next_id, item.id) + 1
    return rows


# ------------------------------------------------------------------ rules

BUTTON_STYLES = (1, 2, 3, 4, 5, 6)
"""Primary, Secondary, Success, Danger, Link, Premium (Reference > Button > Button Styles)."""
LINK = 5
PREMIUM = 6
CUSTOM_ID_LENGTH = 100  # "custom_id ... 1-100 characters" (Reference > Button, String Select)
LABEL_LENGTH = 80  # Button "label: max 80 characters"
URL_LENGTH = 512  # Button "url: max 512 characters"
PLACEHOLDER_LENGTH = 150  # String Select "placeholder: max 150 characters"
OPTION_TEXT_LENGTH = 100  # Select option label, value and description: max 100 characters
MAX_VALUES = 25  # String Select "min_values ... max 25", "max_values ... max 25"

type EmojiCheck = Callable[[PartialEmoji], bool]
"""Whether Discord knows an emoji (a Unicode one, or a custom emoji the bot can use)."""


def check_rows(
    rules: Rules, rows: list[ActionRow], known_emoji: EmojiCheck, found: FormErrors
) -> None:
    """Every rule a message's ``components`` break, added to ``found``."""
    if len(rows) > rules.max_action_rows:
        found.bad_length(("components",), 0, rules.max_action_rows)
    custom_ids: set[str] = set()
    for r, row in enumerate(rows):
        items = row.components
        path: FieldPath = ("components", r, "components")
        # Reference > Action Row: up to 5 buttons, or a single select.
        if not items or len(items) > rules.max_row_items:
            found.bad_length(path, 1, rules.max_row_items)
        for i, item in enumerate(items):
            where = (*path, i)
            if isinstance(item, StringSelect):
                _check_select(rules, item, where, known_emoji, found)
                if len(items) > 1:
                    found.add(
                        where,
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "The specified component exceeds the maximum width",
                    )
            else:
                _check_button(item, where, known_emoji, found)
            # Reference > Anatomy of a Component: "Multiple components on the same message
            # must not share the same custom_id" (disabled ones included).
            if item.custom_id is not None:
                if item.custom_id in custom_ids:
                    found.add(
                        (*where, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                custom_ids.add(item.custom_id)


def _check_custom_id(custom_id: str, path: FieldPath, found: FormErrors) -> None:
    if not 1 <= len(custom_id) <= CUSTOM_ID_LENGTH:
        found.bad_length((*path, "custom_id"), 1, CUSTOM_ID_LENGTH)


def _check_button(
    button: Button, path: FieldPath, known_emoji: EmojiCheck, found: FormErrors
) -> None:
    if button.style not in BUTTON_STYLES:
        found.choices((*path, "style"), BUTTON_STYLES)
        return
    if button.label is not None and len(button.label) > LABEL_LENGTH:
        found.max_length((*path, "label"), LABEL_LENGTH)
    if button.url is not None and len(button.url) > URL_LENGTH:
        found.max_length((*path, "url"), URL_LENGTH)
    if button.custom_id is not None:
        _check_custom_id(button.custom_id, path, found)
    # Reference > Button: "Non-link and non-premium buttons must have a custom_id, and cannot
    # have a url or a sku_id. Link buttons must have a url, and cannot have a custom_id.
    # Premium buttons must contain a sku_id, and cannot have a custom_id, label, url, or emoji."
    if button.style == LINK:
        if button.url is None:
            found.add((*path, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        if button.custom_id is not None:
            _mutually_exclusive(path, found)
    elif button.style == PREMIUM:
        if button.sku_id is None:
            found.add((*path, "sku_id"), "BUTTON_COMPONENT_SKU_ID_REQUIRED", "A sku id is required")
        if button.custom_id is not None:
            _mutually_exclusive(path, found)
    elif button.custom_id is None:
        found.add(
            (*path, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id is required"
        )
    elif button.url is not None:
        _mutually_exclusive(path, found)
    if button.emoji is not None and not known_emoji(button.emoji):
        found.add((*path, "emoji"), "BUTTON_COMPONENT_INVALID_EMOJI", "Invalid emoji")


def _mutually_exclusive(path: FieldPath, found: FormErrors) -> None:
    found.add(
        (*path, "custom_id"),
        "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE",
        "A custom id and url cannot both be specified",
    )


def _check_select(
    rules: Rules,
    select: StringSelect,
    path: FieldPath,
    known_emoji: EmojiCheck,
    found: FormErrors,
) -> None:
    _check_custom_id(select.custom_id, path, found)
    if select.placeholder is not None and len(select.placeholder) > PLACEHOLDER_LENGTH:
        found.max_length((*path, "placeholder"), PLACEHOLDER_LENGTH)
    count = len(select.options)
    if not 1 <= count <= rules.max_select_options:
        found.bad_length((*path, "options"), 1, rules.max_select_options)
    values: set[str] = set()
    for o, option in enumerate(select.options):
        where = (*path, "options", o)
        for key, text in (("label", option.label), ("value", option.value)):
            if not 1 <= len(text) <= OPTION_TEXT_LENGTH:
                found.bad_length((*where, key), 1, OPTION_TEXT_LENGTH)
        if option.description is not None and len(option.description) > OPTION_TEXT_LENGTH:
            found.max_length((*where, "description"), OPTION_TEXT_LENGTH)
        if option.value in values:
            found.add(
                (*where, "value"),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "The specified option value is already used",
            )
        values.add(option.value)
        if option.emoji is not None and not known_emoji(option.emoji):
            found.add((*where, "emoji"), "BUTTON_COMPONENT_INVALID_EMOJI", "Invalid emoji")
    if select.fewest < 0:
        found.too_small((*path, "min_values"), 0)
    elif select.fewest > min(select.most, MAX_VALUES):
        found.too_big((*path, "min_values"), min(select.most, MAX_VALUES))
    if select.most < 1:
        found.too_small((*path, "max_values"), 1)
    elif select.most > min(count, MAX_VALUES):
        found.too_big((*path, "max_values"), min(count, MAX_VALUES))

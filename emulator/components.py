"""Message components the emulator understands: action rows holding buttons and string selects."""

import msgspec


class PartialEmoji(msgspec.Struct, kw_only=True):
    """An emoji on a button or select option."""

    id: str | None = None
    name: str | None = None
    animated: bool = False


class SelectOption(msgspec.Struct, kw_only=True):
    """One choice of a string select."""

    label: str
    value: str
    description: str | None = None
    emoji: PartialEmoji | None = None
    default: bool = False


class Button(msgspec.Struct, tag_field="type", tag=2, kw_only=True):
    """A button; ``custom_id`` buttons send interactions, link buttons carry a ``url``."""

    style: int
    id: int | None = None
    label: str | None = None
    custom_id: str | None = None
    url: str | None = None
    disabled: bool = False
    emoji: PartialEmoji | None = None


class StringSelect(msgspec.Struct, tag_field="type", tag=3, kw_only=True):
    """A string select menu."""

    custom_id: str
    options: list[SelectOption]
    id: int | None = None
    placeholder: str | None = None
    min_values: int = 1
    max_values: int = 1
    disabled: bool = False


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

"""Discord's limits on messages, components, reactions and interactions."""

from dataclasses import dataclass

from emulator import errors
from emulator.components import ActionRow, StringSelect


@dataclass(frozen=True, slots=True)
class Rules:
    """The limits one emulator enforces; tests may tighten the timings."""

    max_content_length: int = 2000
    max_reactions: int = 20
    max_select_options: int = 25
    max_action_rows: int = 5
    max_row_items: int = 5
    max_autocomplete_choices: int = 25
    interaction_deadline: float = 3.0
    """Seconds the bot has for its first interaction response."""
    interaction_token_ttl: float = 15 * 60.0
    """Seconds an interaction token accepts follow-ups and edits."""


def check_content(rules: Rules, content: str) -> None:
    if len(content) > rules.max_content_length:
        raise errors.invalid_form(
            ("content",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {rules.max_content_length} or fewer in length.",
        )


def check_components(rules: Rules, rows: list[ActionRow]) -> None:
    if len(rows) > rules.max_action_rows:
        raise errors.invalid_form(
            ("components",),
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 0 and {rules.max_action_rows} in length.",
        )
    for r, row in enumerate(rows):
        items = row.components
        if not items or len(items) > rules.max_row_items:
            raise errors.invalid_form(
                ("components", r, "components"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {rules.max_row_items} in length.",
            )
        for i, item in enumerate(items):
            if isinstance(item, StringSelect):
                _check_select(rules, item, ("components", r, "components", i))
                if len(items) > 1:
                    raise errors.invalid_form(
                        ("components", r, "components", i),
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "The specified component exceeds the maximum width",
                    )


def _check_select(rules: Rules, select: StringSelect, path: tuple[str | int, ...]) -> None:
    count = len(select.options)
    if not 1 <= count <= rules.max_select_options:
        raise errors.invalid_form(
            (*path, "options"),
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {rules.max_select_options} in length.",
        )
    if not 0 <= select.min_values <= select.max_values <= count:
        raise errors.invalid_form(
            (*path, "max_values"),
            "BASE_TYPE_MAX",
            f"int value should be less than or equal to {count}.",
        )

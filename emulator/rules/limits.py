"""Discord's limits on messages, components, reactions, uploads and interactions."""

from dataclasses import dataclass

from emulator.rules.errors import FormErrors


@dataclass(frozen=True, slots=True)
class Rules:
    """The limits one emulator enforces; tests may tighten the timings."""

    max_content_length: int = 2000
    max_reactions: int = 20
    max_select_options: int = 25
    max_action_rows: int = 5
    max_row_items: int = 5
    max_autocomplete_choices: int = 25
    max_upload_bytes: int = 10 * 1024 * 1024
    """Per file: "The default limit is 10 MiB" (Discord's docs, Reference > Uploading Files)."""
    interaction_deadline: float = 3.0
    """Seconds the bot has for its first interaction response."""
    interaction_token_ttl: float = 15 * 60.0
    """Seconds an interaction token accepts follow-ups and edits."""


def check_content(rules: Rules, content: str, found: FormErrors) -> None:
    if len(content) > rules.max_content_length:
        found.max_length(("content",), rules.max_content_length)

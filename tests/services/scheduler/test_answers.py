"""Private answers always fit in a Discord message."""

from __future__ import annotations

from services.scheduler.answers import fit
from services.scheduler.render import MAX_CONTENT


def test_a_long_answer_keeps_whole_lines_and_says_how_many_are_left_out() -> None:
    """60 lines of 50 characters: cut at a line, with "… and N more lines" at the end."""
    lines = [f"• member{n:03d}: Europe/Paris, 18:00 (Tue) {'x' * 12}" for n in range(60)]
    shown = fit("\n".join(lines))
    assert len(shown) <= MAX_CONTENT
    kept = shown.splitlines()[:-1]
    assert kept == lines[: len(kept)]
    assert shown.splitlines()[-1] == f"… and {60 - len(kept)} more lines"


def test_a_short_answer_is_left_alone() -> None:
    """Nothing changes under the limit."""
    assert fit("Saved.") == "Saved."

"""The daily message's text: labels, order, escaping, and Discord's 2,000 characters."""

from __future__ import annotations

from datetime import date

from services.runtime.playtime import How
from services.scheduler.board import HourLine
from services.scheduler.render import MAX_CONTENT, daily_text, day_marker
from services.scheduler.slots import Slot

DAY = date(2026, 3, 10)


def _label(user: int) -> tuple[str, str]:
    return ("👑", "Zed") if user == 1 else ("", f"player{user:04d}")


def test_each_hour_lists_its_players_strongest_first_then_by_name() -> None:
    """Voice, then reacted, then usual hours; names alphabetical within each; rank emoji first."""
    line = HourLine(
        Slot(hour=18, start=1_773_162_000.0, emoji="🇦"),
        [(3, How.SCHEDULED), (2, How.REACTED), (1, How.REACTED), (4, How.VOICE)],
    )
    text = daily_text(DAY, [line], _label, timezone="Europe/Paris")
    assert (
        "🇦 <t:1773162000:t> · **4** · player0004 🎧, player0002 👍, 👑 Zed 👍, player0003 📅"
        in text.splitlines()
    )
    assert text.splitlines()[-1].startswith(day_marker(DAY))


def test_a_huge_community_fits_in_2000_characters_with_more_counts() -> None:
    """20 hours of 300 members each stay within Discord's limit, naming as many as fit."""
    lines = [
        HourLine(
            Slot(hour=h, start=h * 3600.0, emoji=f"e{h}"), [(u, How.REACTED) for u in range(2, 302)]
        )
        for h in range(20)
    ]
    text = daily_text(DAY, lines, _label, timezone="UTC")
    assert len(text) <= MAX_CONTENT
    hour_lines = [line for line in text.splitlines() if line.startswith("e")]
    assert len(hour_lines) == 20
    assert all("**300**" in line and "more" in line for line in hour_lines)
    named = hour_lines[0].count("player")
    assert named + int(hour_lines[0].rsplit("+", 1)[1].split()[0]) == 300


def test_a_quiet_day_says_nobody_yet() -> None:
    """Empty hours read "nobody yet", never an empty count."""
    line = HourLine(Slot(hour=18, start=0.0, emoji="🇦"), [])
    assert "🇦 <t:0:t> · nobody yet" in daily_text(DAY, [line], _label, timezone="UTC")


def test_maybes_follow_the_players_with_their_own_count_and_mark() -> None:
    """ "**1** + 2 maybe": maybes after everyone in, by name, ❔ each; the legend says so."""
    line = HourLine(
        Slot(hour=21, start=1_773_172_800.0, emoji="🇩"), [(5, How.REACTED)], maybes=[3, 1]
    )
    text = daily_text(DAY, [line], _label, timezone="Europe/Paris")
    assert (
        "🇩 <t:1773172800:t> · **1** + 2 maybe · player0005 👍, player0003 ❔, 👑 Zed ❔"
        in text.splitlines()
    )
    assert text.splitlines()[1].endswith("· ❔ maybe")
    alone = HourLine(Slot(hour=18, start=0.0, emoji="🇦"), [], maybes=[2])
    assert "🇦 <t:0:t> · **0** + 1 maybe · player0002 ❔" in daily_text(
        DAY, [alone], _label, timezone="UTC"
    )


def test_a_crowd_of_maybes_fits_in_2000_characters() -> None:
    """Players and maybes together are cut to fit; both counts stay whole."""
    lines = [
        HourLine(
            Slot(hour=h, start=h * 3600.0, emoji=f"e{h}"),
            [(u, How.REACTED) for u in range(2, 102)],
            maybes=list(range(102, 302)),
        )
        for h in range(20)
    ]
    text = daily_text(DAY, lines, _label, timezone="UTC")
    assert len(text) <= MAX_CONTENT
    hour_lines = [line for line in text.splitlines() if line.startswith("e")]
    assert all("**100** + 200 maybe" in line and "more" in line for line in hour_lines)

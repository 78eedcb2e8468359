"""Timezone suggestions while typing, local times and the most common zone."""

from __future__ import annotations

from datetime import UTC, datetime

from services.scheduler.zones import MAX_SUGGESTIONS, local_time, most_common, suggest


def test_suggestions_match_anywhere_best_first_at_most_25() -> None:
    """Typing "york" finds America/New_York; "europe/" never gives more than 25 names."""
    assert suggest("york")[0] == "America/New_York"
    assert len(suggest("europe/")) == MAX_SUGGESTIONS
    assert all("europe/" in name.casefold() for name in suggest("europe/"))


def test_prefix_matches_come_before_matches_inside_a_name() -> None:
    """ "ar": names starting with it, then names with a part starting with it, then the rest."""
    found = suggest("ar")
    assert found[0] == "Arctic/Longyearbyen"
    starts = [any(p.startswith("ar") for p in n.casefold().split("/")) for n in found]
    assert starts == sorted(starts, reverse=True)
    assert not all(starts)  # the test means something: some names only contain "par"


def test_spaces_stand_for_underscores_and_nonsense_finds_nothing() -> None:
    """ "new york" works like "new_york"; a name that exists nowhere gives no suggestion."""
    assert "America/New_York" in suggest("new york")
    assert suggest("zzzz-not-a-zone") == []


def test_local_time_and_the_most_common_zone() -> None:
    """Noon UTC is 13:00 in Paris in winter; ties go to the alphabetically first zone."""
    noon = datetime(2026, 1, 15, 12, tzinfo=UTC).timestamp()
    assert local_time(noon, "Europe/Paris") == "13:00 (Thu)"
    assert most_common(["Europe/Paris", "Asia/Tokyo", "Europe/Paris"]) == "Europe/Paris"
    assert most_common(["Europe/Paris", "Asia/Tokyo"]) == "Asia/Tokyo"
    assert most_common([]) is None

"""``/timezone``: set your own with suggestions, an admin sets one, show one, a voice channel's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bus.endpoints import Endpoints
from tests.services.scheduler.support import TUESDAY_EVENING, world


def _at(zone: str) -> str:
    moment = datetime.fromtimestamp(TUESDAY_EVENING, ZoneInfo(zone))
    return f"{moment:%H:%M} ({moment:%a})"


async def test_autocomplete_offers_matching_zones(endpoints: Endpoints, short_tmp: Path) -> None:
    """Typing "new_y" offers America/New_York; typing "europe" offers at most 25 names."""

    async with world(endpoints, short_tmp) as w:
        driver, town = w.emu.driver, w.town
        choices = await driver.autocomplete(
            town.alice, town.text, "timezone set", {"zone": "new_y"}, focused="zone"
        )
        assert [c.value for c in choices] == ["America/New_York"]
        choices = await driver.autocomplete(
            town.alice, town.text, "timezone set", {"zone": "europe"}, focused="zone"
        )
        assert len(choices) == 25


async def test_set_show_and_set_for(endpoints: Endpoints, short_tmp: Path) -> None:
    """A member sets their zone and sees their local time; only admins set someone else's."""

    async with world(endpoints, short_tmp) as w:
        town = w.town
        said = await w.say(town.alice, "timezone set", zone="Asia/Tokyo")
        assert said == f"Your timezone is now Asia/Tokyo: it is {_at('Asia/Tokyo')} there."
        assert await w.say(town.bob, "timezone show", member=town.alice.user_id) == (
            f"Alice: Asia/Tokyo, {_at('Asia/Tokyo')} now."
        )
        assert await w.say(town.bob, "timezone show") == (
            "You have not set a timezone yet (/timezone set)."
        )
        refused = await w.say(
            town.alice, "timezone set-for", member=town.bob.user_id, zone="Europe/Paris"
        )
        assert refused == "⚠️ Only members with the Manage Server permission can do this."
        said = await w.say(
            town.admin, "timezone set-for", member=town.bob.user_id, zone="Europe/Paris"
        )
        assert said == "bob's timezone is now Europe/Paris."
        assert "Europe/Paris" in await w.say(town.bob, "timezone show")
        stranger = w.emu.driver.add_member(w.emu.driver.add_guild("Elsewhere"), "stranger")
        said = await w.say(town.alice, "timezone show", member=stranger.user_id)
        assert said == "⚠️ That member is not in this server."
        said = await w.say(
            town.admin, "timezone set-for", member=stranger.user_id, zone="Asia/Tokyo"
        )
        assert said == "⚠️ That member is not in this server."


async def test_an_unknown_zone_is_refused_with_suggestions(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """ "Paris" is not an IANA name; the answer suggests Europe/Paris and nothing is saved."""

    async with world(endpoints, short_tmp) as w:
        said = await w.say(w.town.alice, "timezone set", zone="Paris")
        assert said == "⚠️ 'Paris' is not a timezone. Did you mean Europe/Paris?"
        said = await w.say(w.town.alice, "timezone set", zone="Nowhere/Atall")
        assert said == "⚠️ 'Nowhere/Atall' is not a timezone. Pick one of the suggestions."
        assert "not set a timezone" in await w.say(w.town.alice, "timezone show")


async def test_voice_lists_everyone_in_my_channel(endpoints: Endpoints, short_tmp: Path) -> None:
    """Known zones with local times, "unknown" for the others, and the most common zone."""

    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        carol = driver.add_member(town.guild, "carol")
        assert await w.say(town.alice, "timezone voice") == ("⚠️ You are not in a voice channel.")
        await w.say(town.alice, "timezone set", zone="Europe/Paris")
        await w.say(town.bob, "timezone set", zone="Europe/Paris")
        for member in (town.alice, town.bob, carol):
            await driver.join_voice(member, town.voice)
        await w.until(
            lambda: len(w.scheduler.roster.guild(town.guild.id).voice) == 3, "three in voice"
        )
        assert await w.say(town.alice, "timezone voice") == "\n".join(
            [
                f"Local times in <#{town.voice.id}>:",
                f"• Alice: Europe/Paris, {_at('Europe/Paris')}",
                f"• bob: Europe/Paris, {_at('Europe/Paris')}",
                "• carol: unknown",
                "Most common: Europe/Paris",
            ]
        )

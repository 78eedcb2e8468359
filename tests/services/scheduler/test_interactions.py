"""Interactions the scheduler cannot act on get a clear private answer, never a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bus.endpoints import Endpoints
from bus.errors import RemoteError
from bus.protocol import GetGuildConfig, InteractionAnswer
from services.scheduler.daily import NOT_TODAY
from services.scheduler.interactions import OLD_MESSAGE
from tests.services.scheduler.support import World, world


async def _ask(w: World, **fields: Any) -> str:
    response = await w.relay(**fields)
    assert response.ephemeral
    return response.content


async def test_a_button_from_another_guilds_message_is_refused(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """ "Not today" naming a message that is not this guild's current post changes nothing."""

    async with world(endpoints, short_tmp) as w:
        other = w.emu.driver.add_guild("Other")
        await w.until(lambda: other.id in w.scheduler.roster.guilds, "the other guild")
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        said = await _ask(w, guild_id=other.id, custom_id=NOT_TODAY, message_id=posted.id)
        assert said == f"⚠️ {OLD_MESSAGE}"
        said = await _ask(w, custom_id=NOT_TODAY, message_id=posted.id + 1)
        assert said == f"⚠️ {OLD_MESSAGE}"


async def test_direct_messages_and_unknown_commands_get_a_reason(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """An interaction outside a server, or for a command the scheduler does not own."""

    async with world(endpoints, short_tmp) as w:
        said = await _ask(w, guild_id=0, kind="command", command="schedule show")
        assert said == "⚠️ squadtime works in servers only."
        said = await _ask(w, kind="command", command="dance")
        assert said == "⚠️ squadtime does not know 'dance'."
        said = await _ask(w, kind="command", command="schedule dance")
        assert said == "⚠️ Unknown /schedule action 'dance'."


async def test_the_scheduler_serves_interactions_only(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Another request is refused with a typed error, not a crash."""

    async with world(endpoints, short_tmp) as w, w.peer() as bus:
        with pytest.raises(RemoteError, match="unknown_request"):
            await bus.request("scheduler", GetGuildConfig(guild_id=1), expect=InteractionAnswer)
        said = await _ask(w, kind="command", command="schedule show")
        assert "no usual hours" in said


async def test_post_now_posts_once_and_then_links_to_the_message(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Before the post time, post-now posts; again, it links the existing message."""

    async with world(endpoints, short_tmp) as w:
        admin = w.town.admin
        said = await w.say(admin, "config post-now")
        assert said == "⚠️ Cannot post: no channel is set: use /config channel first."
        await w.configure(start=19, hours=2, time="20:00")
        assert w.daily() is None
        said = await w.say(admin, "config post-now")
        posted = w.posted()
        link = f"https://discord.com/channels/{w.town.guild.id}/{w.town.text.id}/{posted.id}"
        assert said == f"Posted today's message: {link}"
        said = await w.say(admin, "config post-now")
        assert said == f"Today's message is already posted: {link}"
        assert len(w.emu.requests.matching("POST", "/channels/{channel_id}/messages")) == 1

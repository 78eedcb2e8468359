"""A guild's configuration and the members' own timezones, both kept by ``store``."""

from __future__ import annotations

from typing import assert_never

from bus.protocol import (
    GetGuildConfig,
    GetTimezones,
    GuildConfigReply,
    SetGuildConfig,
    SetTimezone,
    TimezonesReply,
)
from services.telemetry import store
from services.telemetry.answers.context import Context
from services.telemetry.checks import check_config, check_timezone

SettingsRequest = GetGuildConfig | SetGuildConfig | GetTimezones | SetTimezone


async def answer(context: Context, request: SettingsRequest) -> GuildConfigReply | TimezonesReply:
    """Read or save a guild's configuration or members' timezones (an empty name clears)."""
    db = context.db
    match request:
        case GetGuildConfig(guild_id=guild_id):
            return GuildConfigReply(config=await db.call(store.get_config, guild_id))
        case SetGuildConfig(config=config):
            check_config(config)
            return GuildConfigReply(config=await db.call(store.set_config, config))
        case GetTimezones(user_ids=user_ids):
            return TimezonesReply(timezones=await db.call(store.get_timezones, user_ids))
        case SetTimezone(user_id=user_id, timezone=name):
            if name:
                check_timezone(name)
            return TimezonesReply(timezones=await db.call(store.set_timezone, user_id, name))
        case _:
            assert_never(request)

"""Interactions the gateway relays to the scheduler: routed to their handler, always answered.

A refusal (bad option, tampered custom id, non-admin) is answered privately with its
reason; telemetry or the gateway being unreachable is answered with "try again"; a
refusal from telemetry carries telemetry's own words. The member never sees a failure
without a reason.
"""

from __future__ import annotations

import logging

from bus.errors import RemoteError, RequestTimeout, caused_by_request, log_level
from bus.protocol import Interaction, InteractionResponse
from services.scheduler import maybe
from services.scheduler.answers import Context, Refusal, private
from services.scheduler.commands import BY_NAME, plan, schedule, timezone
from services.scheduler.commands.nudges import button as nudge_button
from services.scheduler.daily import MAYBE_BUTTON, NOT_TODAY, OPEN_SCHEDULE
from services.scheduler.engines.nudges import BUTTON

log = logging.getLogger(__name__)

BUSY = "squadtime is busy or restarting: try again in a moment."
OLD_MESSAGE = "This is not the current daily message any more."


async def answer(context: Context, interaction: Interaction) -> InteractionResponse:
    """The response to one interaction."""
    try:
        return await _route(context, interaction)
    except Refusal as refusal:
        return private(f"⚠️ {refusal}")
    except RemoteError as error:
        if caused_by_request(error.code):
            return private(f"⚠️ {error.message}")
        log.warning(
            "interaction %s failed: %s", interaction.command or interaction.custom_id, error
        )
        return private(BUSY)
    except RequestTimeout as error:
        log.log(
            log_level(error),
            "interaction %s: %s",
            interaction.command or interaction.custom_id,
            error,
        )
        return private(BUSY)


async def _route(context: Context, interaction: Interaction) -> InteractionResponse:
    if interaction.guild_id == 0:
        # A DM: only a nudge's button lives there; it names its server itself.
        if interaction.kind == "component" and interaction.custom_id.startswith(f"{BUTTON}:"):
            return await nudge_button(context, interaction)
        raise Refusal("squadtime works in servers only.")
    if interaction.kind == "component":
        return await _component(context, interaction)
    found = BY_NAME.get(interaction.command.partition(" ")[0])
    if found is not None and interaction.kind == "command":
        return await found.run(context, interaction)
    if found is not None and found.complete is not None and interaction.kind == "autocomplete":
        return await found.complete(context, interaction)
    raise Refusal(f"squadtime does not know {interaction.command or interaction.kind!r}.")


async def _component(context: Context, interaction: Interaction) -> InteractionResponse:
    custom_id = interaction.custom_id
    if custom_id in (NOT_TODAY, OPEN_SCHEDULE, MAYBE_BUTTON):
        guild = await context.days.load(interaction.guild_id)
        if not interaction.message_id or interaction.message_id != guild.message_id:
            raise Refusal(OLD_MESSAGE)
        user = interaction.member.user_id
        if custom_id == OPEN_SCHEDULE:
            return await schedule.open_editor(context, guild, user)
        if custom_id == MAYBE_BUTTON:
            return await maybe.open_menu(context, guild, user)
        hours = await context.days.not_today(interaction.guild_id, user)
        if not hours:
            return private(
                "You have no usual hours today. To leave an hour you picked, remove its reaction."
            )
        starts = {slot.hour: slot.start for slot in guild.slots()}
        shown = ", ".join(f"<t:{int(starts[hour])}:t>" for hour in hours if hour in starts)
        return private(
            f"You are off today's list for {shown}. React with an hour to be back in it."
        )
    if custom_id.startswith(maybe.PICK):
        return await maybe.pick(context, interaction)
    if custom_id.startswith(plan.PICK):
        return await plan.pick(context, interaction)
    if custom_id in (timezone.KEEP_LOCAL, timezone.KEEP_COMMUNITY):
        return await timezone.keep(context, interaction)
    return await schedule.component(context, interaction)

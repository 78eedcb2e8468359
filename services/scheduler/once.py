"""Sending to members exactly once, whatever dies: claim, look, send, finish.

Each delivery (a reminder, a call, an event) is claimed in telemetry before Discord is
asked (``ClaimDelivery``; its key is guild, community day, hour, member and kind) and
finished after. A claim that finds an earlier, unfinished one (``fresh`` False) means a
send may have happened: the target channel's newest messages are searched for the
delivery's reference, written on the message's last line, before sending again. Messages
also carry a nonce with ``enforce_nonce``, so that a re-send overtaking a slow first try
gets the first message back from Discord instead of a second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from bus.clock import Clock
from bus.errors import CANNOT_MESSAGE_USER, RemoteError
from bus.protocol import (
    ActionRow,
    ClaimDelivery,
    Delivery,
    DeliveryKind,
    DeliveryReply,
    FetchRecentMessages,
    FinishDelivery,
    MessageSent,
    RecentMessages,
    SendMessage,
)
from services.scheduler.daily import Days

SEND_TIMEOUT = 10.0  # real seconds; a retry after it is harmless (the nonce, the reference)
SEARCHED = 20  # the newest messages of a channel looked through for an earlier send


def reference(guild_id: int, day: date, hour: int, user_id: int, kind: str) -> str:
    """A short tag naming one delivery, written on its last line: how it is found again."""
    key = f"{guild_id}:{day.isoformat()}:{hour}:{user_id}:{kind}"
    return hashlib.blake2b(key.encode(), digest_size=5).hexdigest()


async def claim(
    days: Days, guild_id: int, day: date, hour: int, user_id: int, kind: DeliveryKind
) -> tuple[Delivery, DeliveryReply]:
    """Record a delivery as about to be sent, unless it is recorded already: its key, and
    the delivery as stored (``fresh`` when this claim made it)."""
    key = Delivery(guild_id=guild_id, date=day.isoformat(), hour=hour, user_id=user_id, kind=kind)
    return key, await days.ask("telemetry", ClaimDelivery(delivery=key), DeliveryReply)


async def finish(
    days: Days,
    clock: Clock,
    claimed: Delivery,
    state: str,
    channel_id: int = 0,
    message_id: int = 0,
) -> Delivery:
    """Record where a claimed delivery went (``sent``), or that it came too late (``dropped``)."""
    finished = Delivery(
        guild_id=claimed.guild_id,
        date=claimed.date,
        hour=claimed.hour,
        user_id=claimed.user_id,
        kind=claimed.kind,
        state="sent" if state == "sent" else "dropped",
        channel_id=channel_id,
        message_id=message_id,
        at=clock.now(),
    )
    reply = await days.ask("telemetry", FinishDelivery(delivery=finished), DeliveryReply)
    return reply.delivery


async def post_once(
    days: Days,
    channel_id: int,
    ref: str,
    content: str,
    *,
    fresh: bool,
    notify: Sequence[int] = (),
    components: Sequence[ActionRow] = (),
) -> int | None:
    """Post ``content`` (ending with ``ref``) unless an earlier try did; the message's id, or
    None when Discord refuses it as a DM to someone who does not accept the bot's DMs."""
    if not fresh:
        found = await days.ask(
            "gateway", FetchRecentMessages(channel_id=channel_id, limit=SEARCHED), RecentMessages
        )
        for message in found.messages:
            if message.mine and message.content.endswith(f"ref {ref}"):
                return message.message_id
    request = SendMessage(
        channel_id=channel_id,
        content=content,
        components=list(components),
        notify=list(notify),
        nonce=f"r{ref}",
    )
    try:
        sent = await days.ask("gateway", request, MessageSent, timeout=SEND_TIMEOUT)
    except RemoteError as error:
        if error.code == CANNOT_MESSAGE_USER:
            return None
        raise
    return sent.message_id

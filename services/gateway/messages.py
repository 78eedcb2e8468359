"""Messages as the bus asks for them: sent, edited, deleted, read back with who reacted.

Each function is one bus command carried out with Discord REST calls through ``Rest``
(its rate limiter and retries); a refusal by Discord arrives as ``RequestRefused``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bus.clock import wall_time
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    AddReactions,
    DeleteMessage,
    DirectChannel,
    Done,
    EditMessage,
    FetchMessage,
    FetchRecentMessages,
    MessageFetched,
    MessageSent,
    MessageSummary,
    OpenDirectMessage,
    ReactionUsers,
    RecentMessages,
    RemoveReactions,
    SendMessage,
)
from services.gateway.rest import JSON, Rest

log = logging.getLogger(__name__)

REACTION_PAGE = 100  # Discord's largest page of reaction users


async def send(rest: Rest, request: SendMessage) -> MessageSent:
    """Post ``request``'s message; the reply names it for later edits."""
    sent = await rest.send(
        request.channel_id,
        request.content,
        request.components,
        request.files,
        notify=request.notify,
        nonce=request.nonce,
    )
    return MessageSent(channel_id=request.channel_id, message_id=int(sent["id"]))


async def edit(rest: Rest, request: EditMessage) -> MessageSent:
    """Replace the message's content, components and files."""
    await rest.edit(
        request.channel_id,
        request.message_id,
        request.content,
        request.components,
        request.files,
    )
    return MessageSent(channel_id=request.channel_id, message_id=request.message_id)


async def delete(rest: Rest, request: DeleteMessage) -> Done:
    """Delete one message."""
    await rest.call(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}",
        channel_id=request.channel_id,
        message_id=request.message_id,
    )
    return Done()


async def open_direct(rest: Rest, request: OpenDirectMessage) -> DirectChannel:
    """The member's DM channel; Discord's "Create DM" returns the existing one when there is one."""
    channel = await rest.call(
        "POST", "/users/@me/channels", body={"recipient_id": str(request.user_id)}
    )
    return DirectChannel(user_id=request.user_id, channel_id=int(channel["id"]))


async def own_reactions(
    rest: Rest, method: str, request: AddReactions | RemoveReactions, deadline: float
) -> Done:
    """Add (``PUT``) or remove (``DELETE``) the bot's reactions, until ``deadline`` if any."""
    # One at a time, in order: Discord shows reactions in the order they were added.
    for done, emoji in enumerate(request.emojis):
        if deadline and wall_time() >= deadline:
            # Nobody waits for the rest: the requester gave up (a new day's message).
            log.info(
                "stopped after %d of %d reactions: past the deadline", done, len(request.emojis)
            )
            break
        await rest.call(
            method,
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            channel_id=request.channel_id,
            message_id=request.message_id,
            emoji=emoji,
        )
    return Done()


async def fetch(rest: Rest, request: FetchMessage) -> MessageFetched:
    """The message with, per reaction, every member who reacted (all pages)."""
    message: JSON = await rest.call(
        "GET",
        "/channels/{channel_id}/messages/{message_id}",
        channel_id=request.channel_id,
        message_id=request.message_id,
    )
    reactions = []
    for reaction in message.get("reactions") or []:
        emoji = reaction["emoji"]
        text = f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else str(emoji["name"])
        users = await _reaction_users(rest, request, text)
        reactions.append(ReactionUsers(emoji=text, count=int(reaction["count"]), user_ids=users))
    return MessageFetched(
        channel_id=request.channel_id,
        message_id=request.message_id,
        author_id=int(message["author"]["id"]),
        content=str(message.get("content", "")),
        reactions=reactions,
    )


async def recent(
    rest: Rest, request: FetchRecentMessages, bot_id: Callable[[], int]
) -> RecentMessages:
    """The channel's latest messages, newest first, each marked when the bot wrote it."""
    if not 1 <= request.limit <= 100:
        raise RequestRefused(ErrorCode.BAD_REQUEST, f"limit is 1 to 100, not {request.limit}")
    page: list[JSON] = await rest.call(
        "GET",
        "/channels/{channel_id}/messages",
        params={"limit": request.limit},
        channel_id=request.channel_id,
    )
    return RecentMessages(
        channel_id=request.channel_id,
        messages=[
            MessageSummary(
                message_id=int(message["id"]),
                author_id=int(message["author"]["id"]),
                content=str(message.get("content", "")),
                mine=int(message["author"]["id"]) == bot_id(),
            )
            for message in page
        ],
    )


async def _reaction_users(rest: Rest, request: FetchMessage, emoji: str) -> list[int]:
    users: list[int] = []
    while True:
        params: dict[str, str | int] = {"limit": REACTION_PAGE}
        if users:
            params["after"] = users[-1]
        page: list[JSON] = await rest.call(
            "GET",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
            params=params,
            channel_id=request.channel_id,
            message_id=request.message_id,
            emoji=emoji,
        )
        users += [int(user["id"]) for user in page]
        if len(page) < REACTION_PAGE:
            return users

"""Direct messages between the bot and a user: the channel, and whether a message gets through.

Discord's docs, User resource > Create DM: "Create a new DM channel with a user ... (if one
already exists, it will be returned instead)"; the bot no longer receives CHANNEL_CREATE for a
DM (Change Log, API v8). Opening the channel never fails for a user Discord knows; it is the
message that is refused:

- 50007 "Cannot send messages to this user" (JSON Error Codes): the member turned off "Allow
  direct messages from server members" in every server they share with the bot. That privacy
  setting is per server, so one server that still allows it is enough.
- 50278 "Cannot send messages to this user due to having no mutual guilds": a bot reaches only
  users it shares a server with (a member who left, a stranger).

A user writing to the bot is never stopped here: their own setting is about messages to them.
"""

from emulator.rules import errors
from emulator.rules.state import DMChannel, World


def check_deliverable(world: World, channel: DMChannel, author_id: int) -> None:
    """Raise Discord's refusal if the bot's message in ``channel`` cannot reach its recipient."""
    if author_id != channel.bot_id:
        return
    recipient = channel.recipient_id
    shared = world.mutual_guilds(author_id, recipient)
    if not shared:
        raise errors.no_mutual_guilds()
    if all((guild.id, recipient) in world.closed_dms for guild in shared):
        raise errors.cannot_message_user()

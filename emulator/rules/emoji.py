"""Which emoji Discord knows: Unicode's emoji, and the custom emoji of guilds.

Anything else is refused: a reaction with ``10014 Unknown Emoji`` (Discord's docs, Message
resource, "Create Reaction": the ``{emoji}`` is a URL-encoded Unicode emoji or ``name:id``), an
emoji on a button or select option with ``BUTTON_COMPONENT_INVALID_EMOJI``. So ``thumbsup``,
``:thumbsup:``, ``é`` or ``blob:123`` for an emoji no guild has never reach a message.
"""

import emoji as unicode_emoji

from emulator.rules import errors
from emulator.rules.state import Emoji, World

REGIONAL_INDICATORS = range(0x1F1E6, 0x1F1FF + 1)
"""🇦 .. 🇿 alone: Unicode lists them as parts of flags only, but Discord's emoji picker offers
each as ``:regional_indicator_x:`` and accepts it as a reaction (the classic letter poll)."""


def is_unicode_emoji(text: str) -> bool:
    """One emoji of Unicode's list, fully qualified or not (``❤️`` and ``❤`` both count)."""
    if len(text) == 1 and ord(text) in REGIONAL_INDICATORS:
        return True
    return unicode_emoji.is_emoji(text)


def usable(world: World, user_id: int, emoji: Emoji) -> bool:
    """Whether ``user_id`` may use ``emoji``: any Unicode emoji, a custom one of their guilds.

    Discord reads a custom emoji by its id (the name before ``:`` is not looked at).
    """
    if emoji.id is None:
        return is_unicode_emoji(emoji.name)
    found = world.custom_emoji(emoji.id)
    return found is not None and user_id in world.guild(found.guild_id).members


def reaction_emoji(world: World, user_id: int, text: str) -> Emoji:
    """The ``{emoji}`` of a reaction route (or a member's pick), as Discord stores it."""
    emoji = Emoji.parse(text)
    if not usable(world, user_id, emoji):
        raise errors.unknown_emoji()
    if emoji.id is None:
        return emoji
    found = world.custom_emoji(emoji.id)
    assert found is not None  # usable() just found it
    return Emoji(name=found.name, id=found.id)

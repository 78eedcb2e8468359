"""Messages as a member sees them in the Discord client."""

from dataclasses import dataclass

from emulator.rules import payloads
from emulator.rules.components import ActionRow, Button, RowItem, StringSelect
from emulator.rules.jsontypes import JSONValue
from emulator.rules.mentions import notified
from emulator.rules.state import Message, MessageFlag, World


@dataclass(frozen=True, slots=True)
class SeenReaction:
    emoji: str
    """``👍`` for unicode emoji, ``name:id`` for custom ones."""
    count: int
    users: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SeenAttachment:
    filename: str
    size: int
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SeenMessage:
    id: int
    channel_id: int
    author_id: int
    author_name: str
    content: str
    components: tuple[ActionRow, ...]
    reactions: tuple[SeenReaction, ...]
    attachments: tuple[SeenAttachment, ...]
    embeds: tuple[JSONValue, ...]
    """As Discord renders them (``type: "rich"``...)."""
    ephemeral: bool
    edited: bool
    loading: bool
    """A deferred response still showing "<bot> is thinking..."."""
    mentions: tuple[int, ...] = ()
    """Users the message pings by name (Discord's ``mentions``; a suppressed ``<@id>`` is not)."""
    mention_roles: tuple[int, ...] = ()
    mention_everyone: bool = False
    pinged: frozenset[int] = frozenset()
    """Whom the message pings as it stands now (named, holding a pinged role, or @everyone; all
    can see it). Who was *notified* is :attr:`notified`: an edit pings without notifying."""
    reply_to: int | None = None
    """The message this one replies to."""
    forwarded: "SeenMessage | None" = None
    """A forward's snapshot: the forwarded message as it was when forwarded."""
    notified: frozenset[int] = frozenset()
    """Who was notified when it was sent (a DM's recipient, or the members it pinged then)."""
    silent: bool = False
    """Sent with SUPPRESS_NOTIFICATIONS: a badge, no push."""

    def reaction(self, emoji: str) -> SeenReaction | None:
        return next((r for r in self.reactions if r.emoji == emoji), None)

    def component(self, custom_id: str) -> RowItem | None:
        for row in self.components:
            for item in row.components:
                if item.custom_id == custom_id:
                    return item
        return None

    @property
    def buttons(self) -> list[Button]:
        return [i for r in self.components for i in r.components if isinstance(i, Button)]

    @property
    def selects(self) -> list[StringSelect]:
        return [i for r in self.components for i in r.components if isinstance(i, StringSelect)]


def see(world: World, message: Message) -> SeenMessage:
    """Render ``message`` for a reader."""
    return SeenMessage(
        id=message.id,
        channel_id=message.channel_id,
        author_id=message.author_id,
        author_name=world.display_name(message.guild_id, message.author_id),
        content=message.content,
        components=tuple(message.components),
        reactions=tuple(
            SeenReaction(
                emoji=r.emoji.name if r.emoji.id is None else f"{r.emoji.name}:{r.emoji.id}",
                count=len(r.users),
                users=tuple(r.users),
            )
            for r in message.reactions
        ),
        attachments=tuple(
            SeenAttachment(a.filename, len(a.data), a.content_type, a.data)
            for a in message.attachments
        ),
        embeds=tuple(payloads.embed(e) for e in message.embeds),
        ephemeral=bool(message.flags & MessageFlag.EPHEMERAL),
        edited=message.edited_timestamp is not None,
        loading=bool(message.flags & MessageFlag.LOADING),
        mentions=tuple(message.mentions),
        mention_roles=tuple(message.mention_roles),
        mention_everyone=message.mention_everyone,
        pinged=notified(world, message),
        reply_to=message.reference_id,
        forwarded=see(world, message.forward.snapshot) if message.forward is not None else None,
        notified=message.notified,
        silent=bool(message.flags & MessageFlag.SUPPRESS_NOTIFICATIONS),
    )

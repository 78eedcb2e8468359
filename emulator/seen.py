"""Messages as a member sees them in the Discord client."""

from dataclasses import dataclass

from emulator import payloads
from emulator.components import ActionRow, Button, RowItem, StringSelect
from emulator.jsontypes import JSONValue
from emulator.permissions import Permission, allows
from emulator.state import Message, MessageFlag, World


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
    """Every member notified: named, holding a pinged role, or @everyone; all can see it."""
    reply_to: int | None = None
    """The message this one replies to."""
    forwarded: "SeenMessage | None" = None
    """A forward's snapshot: the forwarded message as it was when forwarded."""

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
        pinged=_pinged(world, message),
        reply_to=message.reference_id,
        forwarded=see(world, message.forward.snapshot) if message.forward is not None else None,
    )


def _pinged(world: World, message: Message) -> frozenset[int]:
    """Who gets a notification: Discord notifies only members who can see the channel."""
    guild = world.guilds.get(message.guild_id)
    if guild is None:
        return frozenset()
    roles = set(message.mention_roles)
    found = set()
    for member in guild.members.values():
        named = member.user_id in message.mentions
        if message.mention_everyone or named or roles.intersection(member.roles):
            found.add(member.user_id)
    found.discard(message.author_id)
    viewers = {
        u
        for u in found
        if allows(world.channel_permissions(message.channel_id, u), Permission.VIEW_CHANNEL)
    }
    return frozenset(viewers)

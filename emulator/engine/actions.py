"""What Discord does when something happens: change the state, then tell the gateway.

REST handlers (the bot acting), interactions and the driver (members acting) all go through
these operations, so every change is checked against Discord's rules and dispatched once.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

import msgspec

from emulator.engine.core import Core
from emulator.rules import errors, payloads
from emulator.rules.bodies import AllowedMentions, AttachmentRef, CreateMessageBody, MessageBody
from emulator.rules.components import ActionRow, PartialEmoji, check_rows, number_components
from emulator.rules.dms import check_deliverable
from emulator.rules.embeds import Embed, check_embeds
from emulator.rules.emoji import is_unicode_emoji, usable
from emulator.rules.errors import FormErrors
from emulator.rules.jsontypes import JSONObject
from emulator.rules.limits import check_content
from emulator.rules.mentions import Mentions, check_allowed_mentions, compute, notified
from emulator.rules.permissions import ALL_PERMISSIONS, BOT_DEFAULT, EVERYONE_DEFAULT, Overwrite
from emulator.rules.replies import FORWARD, REPLY, check_nonce, forwarded, referenced, same_nonce
from emulator.rules.scheduled_event_rules import MAX_UNFINISHED, EventFields, due_status
from emulator.rules.state import (
    Attachment,
    Channel,
    ChannelType,
    DMChannel,
    Emoji,
    Forward,
    Guild,
    GuildEmoji,
    InteractionMetadata,
    Member,
    Message,
    MessageFlag,
    Reaction,
    Role,
    ScheduledEvent,
    User,
    VoiceState,
)

SENDABLE_FLAGS = MessageFlag.SUPPRESS_EMBEDS | MessageFlag.SUPPRESS_NOTIFICATIONS
EDITABLE_FLAGS = MessageFlag.SUPPRESS_EMBEDS


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent as ``files[n]`` in a multipart body."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Authorship:
    """Who a new message is from and how it came to be."""

    author_id: int
    webhook_id: int | None = None
    application_id: int | None = None
    interaction: InteractionMetadata | None = None
    visible_to: int | None = None
    type: int = 0
    extra_flags: int = 0


def _attachment_id(ref: AttachmentRef, index: int) -> int:
    """An attachment's id: a kept attachment's snowflake or an upload's ``files[n]`` index."""
    text = str(ref.id)
    if not (text.isascii() and text.isdigit() and len(text) <= 20):
        raise errors.invalid_form(
            ("attachments", index, "id"), "NUMBER_TYPE_COERCE", f'Value "{text}" is not snowflake.'
        )
    return int(text)


class Actions:
    """State changes with their gateway events."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.world = core.world
        self.on_voice_moved: Callable[[int, int, int | None, int | None], None] | None = None
        """Told (guild, user, channel before, channel after) when a voice channel changes."""

    # ------------------------------------------------------------- messages

    def create_message(
        self,
        channel_id: int,
        body: CreateMessageBody,
        uploads: dict[int, Upload],
        authorship: Authorship,
    ) -> Message:
        """Create Message: ``post_message`` with a reply's or a forward's reference and a nonce.

        With ``enforce_nonce``, the author's message of the last minutes with the same nonce
        is answered instead of a new one (Message resource, Create Message). A forward is a
        DEFAULT message flagged HAS_SNAPSHOT, whose only content is the snapshot.
        """
        found = FormErrors()
        check_nonce(body.nonce, found)
        reference = forward = None
        asked = body.message_reference
        if asked is not None and asked.type == FORWARD:
            forward = forwarded(self.world, authorship.author_id, asked, body, bool(uploads), found)
        elif asked is not None:
            reference = referenced(self.world, channel_id, asked, found)
        found.raise_if_any()
        if body.nonce is not None and body.enforce_nonce:
            now = self.core.clock.now()
            earlier = same_nonce(self.world, channel_id, authorship.author_id, body.nonce, now)
            if earlier is not None:
                return earlier
        if reference is not None:
            authorship = replace(authorship, type=REPLY)
        if forward is not None:
            flags = authorship.extra_flags | MessageFlag.HAS_SNAPSHOT
            authorship = replace(authorship, extra_flags=flags)
        return self.post_message(
            channel_id,
            body,
            uploads,
            authorship,
            reference=reference,
            forward=forward,
            nonce=body.nonce,
        )

    def post_message(
        self,
        channel_id: int,
        body: MessageBody,
        uploads: dict[int, Upload],
        authorship: Authorship,
        *,
        allow_empty: bool = False,
        reference: Message | None = None,
        forward: Forward | None = None,
        nonce: int | str | None = None,
    ) -> Message:
        channel = self.world.any_channel(channel_id)
        flags = body.flags if isinstance(body.flags, int) else 0
        message = Message(
            id=self.core.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id if isinstance(channel, Channel) else None,
            author_id=authorship.author_id,
            content="",
            timestamp=self.core.clock.now(),
            flags=(flags & SENDABLE_FLAGS) | authorship.extra_flags,
            type=authorship.type,
            tts=bool(body.tts),
            webhook_id=authorship.webhook_id,
            application_id=authorship.application_id,
            interaction=authorship.interaction,
            visible_to=authorship.visible_to,
            reference_id=reference.id if reference is not None else None,
            nonce=nonce,
            forward=forward,
        )
        # "replied_user ... (default false)"; without allowed_mentions a reply pings its author.
        allowed = body.allowed_mentions
        pings_author = allowed is None or bool(allowed.replied_user)
        draft = self._compose(message, body, uploads, replied_ping=pings_author)
        if not allow_empty and not (
            draft.content or draft.embeds or draft.components or draft.attachments or forward
        ):
            raise errors.empty_message()
        if isinstance(channel, DMChannel):
            check_deliverable(self.world, channel, draft.author_id)
        draft.notified = notified(self.world, draft)
        self.world.messages[draft.id] = draft
        if draft.visible_to is None:
            channel.last_message_id = draft.id
            self.core.gateway.dispatch(
                "MESSAGE_CREATE", self._event(draft, created=True), in_dm=draft.guild_id is None
            )
        self.core.changes.touch()
        return draft

    def edit_message(
        self, message: Message, body: MessageBody, uploads: dict[int, Upload]
    ) -> Message:
        replied = self.world.messages.get(message.reference_id or 0)
        allowed = body.allowed_mentions
        if allowed is not None and allowed.replied_user is not None:
            pings_author = allowed.replied_user
        else:
            pings_author = replied is not None and replied.author_id in message.mentions
        draft = self._compose(message, body, uploads, replied_ping=pings_author)
        if isinstance(body.flags, int):
            draft.flags = (message.flags & ~EDITABLE_FLAGS) | (body.flags & EDITABLE_FLAGS)
        draft.flags &= ~MessageFlag.LOADING
        draft.edited_timestamp = self.core.clock.now()
        self.world.messages[draft.id] = draft
        if draft.visible_to is None:
            self.core.gateway.dispatch(
                "MESSAGE_UPDATE", self._event(draft), in_dm=draft.guild_id is None
            )
        self.core.changes.touch()
        return draft

    def delete_message(self, message: Message) -> None:
        self.world.messages.pop(message.id, None)
        if message.visible_to is None:
            deleted: JSONObject = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                deleted["guild_id"] = str(message.guild_id)
            self.core.gateway.dispatch("MESSAGE_DELETE", deleted, in_dm=message.guild_id is None)
        self.core.changes.touch()

    def _compose(
        self,
        base: Message,
        body: MessageBody,
        uploads: dict[int, Upload],
        *,
        replied_ping: bool,
    ) -> Message:
        """The message after applying ``body``, checked against the rules before it is kept."""
        rules = self.core.config.rules
        found = FormErrors()
        content = base.content
        if not isinstance(body.content, msgspec.UnsetType):
            content = body.content or ""
            check_content(rules, content, found)
        rows: list[ActionRow] = base.components
        if not isinstance(body.components, msgspec.UnsetType):
            rows = number_components(body.components or [])
            check_rows(rules, rows, self._known_emoji, found)
        embeds: list[Embed] = base.embeds
        if not isinstance(body.embeds, msgspec.UnsetType):
            embeds = check_embeds(body.embeds or [], found)
        if body.allowed_mentions is not None:
            check_allowed_mentions(body.allowed_mentions, found)
        found.raise_if_any()
        attachments = self._attachments(base, body, uploads)
        mentions = Mentions(base.mentions, base.mention_roles, base.mention_everyone)
        new = base.id not in self.world.messages
        rewritten = not isinstance(body.content, msgspec.UnsetType)
        if new or rewritten or body.allowed_mentions is not None:
            mentions = self._mentions(base, content, body.allowed_mentions, replied_ping)
        return replace(
            base,
            mentions=mentions.users,
            mention_roles=mentions.roles,
            mention_everyone=mentions.everyone,
            content=content,
            components=rows,
            embeds=embeds,
            attachments=attachments,
            reactions=list(base.reactions),
        )

    def _mentions(
        self, base: Message, content: str, allowed: AllowedMentions | None, replied_ping: bool
    ) -> Mentions:
        """Whom ``content`` pings, with the author's permissions in the channel."""
        guild = self.world.guild(base.guild_id) if base.guild_id is not None else None
        if guild is None or (base.author_id in guild.members and base.webhook_id is None):
            held = self.world.channel_permissions(base.channel_id, base.author_id)
        else:
            held = ALL_PERMISSIONS  # a webhook is not a member: its mentions are not limited
        replied = self.world.messages.get(base.reference_id or 0)
        replied_author = None
        if replied_ping and replied is not None and replied.author_id != base.author_id:
            replied_author = replied.author_id
        return compute(
            self.world,
            guild,
            content,
            allowed,
            author_permissions=held,
            replied_author=replied_author,
        )

    def _attachments(
        self, base: Message, body: MessageBody, uploads: dict[int, Upload]
    ) -> list[Attachment]:
        existing = {a.id: a for a in base.attachments}
        if isinstance(body.attachments, msgspec.UnsetType):
            kept = list(base.attachments)
            wanted: list[tuple[int, AttachmentRef | None]] = [(index, None) for index in uploads]
        else:
            refs = [(_attachment_id(r, i), r) for i, r in enumerate(body.attachments or [])]
            kept = [existing[i] for i, _ in refs if i in existing]
            wanted = [(i, r) for i, r in refs if i not in existing and i in uploads]
            listed = {index for index, _ in wanted}
            wanted += [(index, None) for index in uploads if index not in listed]
        for index, ref in wanted:
            upload = uploads[index]
            kept.append(
                Attachment(
                    id=self.core.ids.next(),
                    filename=(ref.filename if ref and ref.filename else upload.filename),
                    data=upload.data,
                    content_type=upload.content_type,
                    description=ref.description if ref else None,
                )
            )
        return kept

    def _known_emoji(self, emoji: PartialEmoji) -> bool:
        """A component's emoji: Unicode, or a custom emoji of a guild the bot is in."""
        custom = emoji.custom_id
        if custom is None:
            return emoji.id is None and emoji.name is not None and is_unicode_emoji(emoji.name)
        return usable(self.world, self.core.bot_id, Emoji(name=emoji.name or "", id=custom))

    def _event(self, message: Message, *, created: bool = False) -> JSONObject:
        return payloads.message_event(
            self.world, message, cdn=self.core.base_url, viewer=self.core.bot_id, created=created
        )

    # ------------------------------------------------------------ reactions

    def add_reaction(self, message: Message, user_id: int, emoji: Emoji) -> None:
        reaction = message.reaction(emoji)
        if reaction is None:
            if len(message.reactions) >= self.core.config.rules.max_reactions:
                raise errors.too_many_reactions()
            reaction = Reaction(emoji=emoji)
            message.reactions.append(reaction)
        if user_id in reaction.users:
            return
        reaction.users.append(user_id)
        event = self._reaction_event(message, user_id, emoji)
        event["message_author_id"] = str(message.author_id)
        if message.guild_id is not None:
            member = self.world.member(message.guild_id, user_id)
            event["member"] = payloads.member(self.world, member)
        self.core.gateway.dispatch("MESSAGE_REACTION_ADD", event, in_dm=message.guild_id is None)
        self.core.changes.touch()

    def remove_reaction(self, message: Message, user_id: int, emoji: Emoji) -> None:
        reaction = message.reaction(emoji)
        if reaction is None or user_id not in reaction.users:
            return
        reaction.users.remove(user_id)
        if not reaction.users:
            message.reactions.remove(reaction)
        self.core.gateway.dispatch(
            "MESSAGE_REACTION_REMOVE",
            self._reaction_event(message, user_id, emoji),
            in_dm=message.guild_id is None,
        )
        self.core.changes.touch()

    @staticmethod
    def _reaction_event(message: Message, user_id: int, emoji: Emoji) -> JSONObject:
        event: JSONObject = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": {"id": str(emoji.id) if emoji.id is not None else None, "name": emoji.name},
            "burst": False,
            "type": 0,
        }
        if message.guild_id is not None:
            event["guild_id"] = str(message.guild_id)
        return event

    # ------------------------------------------------------------------ DMs

    def open_dm(self, recipient_id: int) -> DMChannel:
        """Create DM: the bot's DM channel with ``recipient_id``, the existing one if any.

        Any user but the bot itself: Discord answers 50033 Invalid Recipient(s) for an id that is
        no user (the bot's own id is assumed to be answered the same way).
        """
        if recipient_id == self.core.bot_id or recipient_id not in self.world.users:
            raise errors.invalid_recipient()
        existing = self.world.dm_channel_with(recipient_id)
        if existing is not None:
            return existing
        channel = DMChannel(
            id=self.core.ids.next(), bot_id=self.core.bot_id, recipient_id=recipient_id
        )
        self.world.dm_channels[channel.id] = channel
        self.core.changes.touch()
        return channel

    def set_dms_open(self, guild_id: int, user_id: int, *, allowed: bool) -> None:
        """The member's "Allow direct messages from server members" for that server."""
        self.world.member(guild_id, user_id)
        if allowed:
            self.world.closed_dms.discard((guild_id, user_id))
        else:
            self.world.closed_dms.add((guild_id, user_id))
        self.core.changes.touch()

    # ----------------------------------------------------- scheduled events

    def create_scheduled_event(
        self, guild_id: int, fields: EventFields, *, creator_id: int
    ) -> ScheduledEvent:
        guild = self.world.guild(guild_id)
        self.settle_scheduled_events(guild_id)
        if sum(not e.finished for e in guild.scheduled_events.values()) >= MAX_UNFINISHED:
            raise errors.too_many_scheduled_events()
        event = ScheduledEvent(
            id=self.core.ids.next(),
            guild_id=guild_id,
            creator_id=creator_id,
            name=fields.name,
            entity_type=fields.entity_type,
            scheduled_start_time=fields.scheduled_start_time,
            scheduled_end_time=fields.scheduled_end_time,
            channel_id=fields.channel_id,
            location=fields.location,
            description=fields.description,
            image=fields.image,
        )
        guild.scheduled_events[event.id] = event
        self._dispatch_event("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    def update_scheduled_event(self, event: ScheduledEvent, fields: EventFields) -> ScheduledEvent:
        event.name = fields.name
        event.entity_type = fields.entity_type
        event.scheduled_start_time = fields.scheduled_start_time
        event.scheduled_end_time = fields.scheduled_end_time
        event.channel_id = fields.channel_id
        event.location = fields.location
        event.description = fields.description
        event.image = fields.image
        event.status = fields.status
        self._dispatch_event("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    def delete_scheduled_event(self, event: ScheduledEvent) -> None:
        self.world.guild(event.guild_id).scheduled_events.pop(event.id, None)
        self._dispatch_event("GUILD_SCHEDULED_EVENT_DELETE", event)

    def settle_scheduled_events(self, guild_id: int) -> None:
        """Apply Discord's automation up to now (see ``due_status``), each change an UPDATE.

        The emulator runs it lazily, whenever the guild's events are read or changed, so a
        client hears of an automatic start or end then rather than at the very instant.
        """
        now = self.core.clock.now()
        for event in list(self.world.guild(guild_id).scheduled_events.values()):
            status = due_status(event, now)
            if status is not event.status:
                event.status = status
                self._dispatch_event("GUILD_SCHEDULED_EVENT_UPDATE", event)

    def mark_interested(self, event: ScheduledEvent, user_id: int, *, interested: bool) -> None:
        """A member's "Interested" on an event (GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE)."""
        if interested == (user_id in event.interested):
            return
        if interested:
            event.interested.append(user_id)
        else:
            event.interested.remove(user_id)
        self.core.gateway.dispatch(
            "GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE",
            {
                "guild_scheduled_event_id": str(event.id),
                "user_id": str(user_id),
                "guild_id": str(event.guild_id),
            },
        )
        self.core.changes.touch()

    def _dispatch_event(self, name: str, event: ScheduledEvent) -> None:
        self.core.gateway.dispatch(name, payloads.scheduled_event(self.world, event))
        self.core.changes.touch()

    def set_voice_status(self, channel: Channel, status: str | None) -> None:
        """A voice channel's status, and VOICE_CHANNEL_STATUS_UPDATE
        (``emulator.rules.voice_status_rules``)."""
        channel.status = status
        self.core.gateway.dispatch(
            "VOICE_CHANNEL_STATUS_UPDATE",
            {"id": str(channel.id), "guild_id": str(channel.guild_id), "status": status},
        )
        self.core.changes.touch()

    # ---------------------------------------------------------------- voice

    def set_voice(
        self,
        guild_id: int,
        user_id: int,
        channel_id: int | None,
        *,
        mute: bool | None = None,
        deaf: bool | None = None,
        self_mute: bool | None = None,
        self_deaf: bool | None = None,
        session_id: str | None = None,
    ) -> VoiceState | None:
        """Join, move, leave (``channel_id`` None) or change mute/deaf; dispatches the new state."""
        guild = self.world.guild(guild_id)
        self.world.member(guild_id, user_id)
        current = guild.voice_states.get(user_id)
        before = current.channel_id if current is not None else None
        if self.on_voice_moved is not None and before != channel_id:
            self.on_voice_moved(guild_id, user_id, before, channel_id)
        if channel_id is None:
            if current is None:
                return None
            del guild.voice_states[user_id]
            self.core.gateway.dispatch(
                "VOICE_STATE_UPDATE", payloads.voice_state(self.world, current, left=True)
            )
            self.core.changes.touch()
            return None
        channel = self.world.channel(channel_id)
        if channel.guild_id != guild_id or channel.type is not ChannelType.GUILD_VOICE:
            raise errors.unknown_channel()
        state = current or VoiceState(
            guild_id=guild_id,
            user_id=user_id,
            channel_id=channel_id,
            session_id=session_id or secrets.token_hex(16),
        )
        state.channel_id = channel_id
        state.mute = state.mute if mute is None else mute
        state.deaf = state.deaf if deaf is None else deaf
        state.self_mute = state.self_mute if self_mute is None else self_mute
        state.self_deaf = state.self_deaf if self_deaf is None else self_deaf
        guild.voice_states[user_id] = state
        self.core.gateway.dispatch("VOICE_STATE_UPDATE", payloads.voice_state(self.world, state))
        self.core.changes.touch()
        return state

    # ------------------------------------------------- guilds, roles, members

    def add_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> User:
        user = User(id=self.core.ids.next(), username=username, global_name=global_name, bot=bot)
        self.world.users[user.id] = user
        return user

    def add_guild(self, name: str, owner_id: int) -> Guild:
        guild_id = self.core.ids.created_earlier()
        icon = hashlib.blake2b(str(guild_id).encode(), digest_size=16).hexdigest()
        guild = Guild(id=guild_id, name=name, owner_id=owner_id, icon=icon)
        guild.roles[guild_id] = Role(
            id=guild_id, guild_id=guild_id, name="@everyone", permissions=int(EVERYONE_DEFAULT)
        )
        self.world.guilds[guild_id] = guild
        now = self.core.clock.now()
        guild.members[owner_id] = Member(user_id=owner_id, guild_id=guild_id, joined_at=now)
        bot_role = Role(
            id=self.core.ids.next(),
            guild_id=guild_id,
            name=self.world.user(self.core.bot_id).username,
            permissions=int(BOT_DEFAULT),
            position=1,
            managed=True,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.core.bot_id] = Member(
            user_id=self.core.bot_id, guild_id=guild_id, joined_at=now, roles=[bot_role.id]
        )
        self.core.gateway.dispatch_guild_create(guild_id)
        self.core.changes.touch()
        return guild

    def add_emoji(self, guild_id: int, name: str, *, animated: bool = False) -> GuildEmoji:
        """Upload a custom emoji to a guild (GUILD_EMOJIS_UPDATE)."""
        guild = self.world.guild(guild_id)
        emoji = GuildEmoji(id=self.core.ids.next(), guild_id=guild_id, name=name, animated=animated)
        guild.emojis[emoji.id] = emoji
        self._emojis_changed(guild)
        return emoji

    def remove_emoji(self, guild_id: int, emoji_id: int) -> None:
        """Delete a guild's custom emoji (GUILD_EMOJIS_UPDATE, without it)."""
        guild = self.world.guild(guild_id)
        if guild.emojis.pop(emoji_id, None) is not None:
            self._emojis_changed(guild)

    def _emojis_changed(self, guild: Guild) -> None:
        """GUILD_EMOJIS_UPDATE carries all of the guild's emoji (Gateway Events)."""
        self.core.gateway.dispatch(
            "GUILD_EMOJIS_UPDATE",
            {
                "guild_id": str(guild.id),
                "emojis": [payloads.guild_emoji(e) for e in guild.emojis.values()],
            },
        )
        self.core.changes.touch()

    def add_role(
        self, guild_id: int, name: str, *, permissions: int = 0, color: int = 0, hoist: bool = False
    ) -> Role:
        guild = self.world.guild(guild_id)
        role = Role(
            id=self.core.ids.next(),
            guild_id=guild_id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            color=color,
            hoist=hoist,
        )
        guild.roles[role.id] = role
        self.core.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": payloads.role(role)}
        )
        self.core.changes.touch()
        return role

    def add_channel(
        self, guild_id: int, name: str, kind: ChannelType, *, parent_id: int | None = None
    ) -> Channel:
        guild = self.world.guild(guild_id)
        channel = Channel(
            id=self.core.ids.next(),
            guild_id=guild_id,
            name=name,
            type=kind,
            position=len(guild.channels),
            parent_id=parent_id,
        )
        guild.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        self.core.gateway.dispatch("CHANNEL_CREATE", payloads.channel(channel))
        self.core.changes.touch()
        return channel

    def set_overwrite(
        self, channel_id: int, overwrite: Overwrite | None, *, target: int
    ) -> Channel:
        """Set (or, with None, delete) the channel's overwrite for role or member ``target``."""
        channel = self.world.channel(channel_id)
        kept = [o for o in channel.overwrites if o.id != target]
        channel.overwrites = kept if overwrite is None else [*kept, overwrite]
        self.core.gateway.dispatch("CHANNEL_UPDATE", payloads.channel(channel))
        self.core.changes.touch()
        return channel

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        roles: list[int] | None = None,
        nick: str | None = None,
    ) -> Member:
        guild = self.world.guild(guild_id)
        self.world.user(user_id)
        member = Member(
            user_id=user_id,
            guild_id=guild_id,
            joined_at=self.core.clock.now(),
            roles=list(roles or []),
            nick=nick,
        )
        guild.members[user_id] = member
        self.core.gateway.dispatch(
            "GUILD_MEMBER_ADD", payloads.member(self.world, member) | {"guild_id": str(guild_id)}
        )
        self.core.changes.touch()
        return member

    def remove_member(self, guild_id: int, user_id: int) -> None:
        guild = self.world.guild(guild_id)
        if guild.voice_states.get(user_id) is not None:
            self.set_voice(guild_id, user_id, None)
        guild.members.pop(user_id, None)
        self.core.gateway.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild_id), "user": payloads.user(self.world.user(user_id))},
        )
        self.core.changes.touch()

    def update_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        roles: list[int] | None = None,
        nick: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> Member:
        member = self.world.member(guild_id, user_id)
        if roles is not None:
            member.roles = list(roles)
        if not isinstance(nick, msgspec.UnsetType):
            member.nick = nick
        self.core.gateway.dispatch(
            "GUILD_MEMBER_UPDATE",
            payloads.member(self.world, member) | {"guild_id": str(guild_id)},
        )
        self.core.changes.touch()
        return member

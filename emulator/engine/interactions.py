"""Interactions: created by members, answered by the bot under Discord's rules.

The first response must come within the deadline (else 10062 Unknown interaction), only once
(else 40060), and the token then serves follow-ups and ``@original`` edits until it expires
(else 50027 Invalid Webhook Token).
"""

import asyncio
import secrets
from dataclasses import dataclass, field
from enum import IntEnum

from emulator.engine.actions import Actions, Authorship, Upload
from emulator.engine.core import Core
from emulator.rules import errors, payloads
from emulator.rules.application_commands import check_choices
from emulator.rules.bodies import CallbackBody, CallbackData, Choice, MessageBody
from emulator.rules.errors import FormErrors
from emulator.rules.jsontypes import JSONObject
from emulator.rules.permissions import BOT_DEFAULT, Permission
from emulator.rules.state import DMChannel, InteractionMetadata, Message, MessageFlag, World

CHAT_INPUT_COMMAND_MESSAGE = 20
"""Message type of a slash command's answer."""


class InteractionType(IntEnum):
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4


class InteractionContext(IntEnum):
    """Where an interaction was used (Interactions > Receiving and Responding, "Interaction
    Context Types")."""

    GUILD = 0
    BOT_DM = 1


# Receiving and Responding, Interaction Object: in a DM, ``app_permissions`` holds
# ATTACH_FILES, EMBED_LINKS and MENTION_EVERYONE, and USE_EXTERNAL_EMOJIS in the bot's DMs.
DM_APP_PERMISSIONS = (
    Permission.ATTACH_FILES
    | Permission.EMBED_LINKS
    | Permission.MENTION_EVERYONE
    | Permission.USE_EXTERNAL_EMOJIS
)


def _in_bot_dm(world: World, dm: DMChannel, user_id: int) -> JSONObject:
    """What an interaction in the bot's DMs carries instead of a guild's fields: ``user``
    (no ``member``, no ``guild_id``: "user ... for the invoking user, if invoked in a DM"),
    and, for an app installed to a server, ``"0": "0"`` as the guild install's owner
    ("0 if the interaction is from the app's bot user DM")."""
    return {
        "channel": payloads.dm_channel(world, dm),
        "user": payloads.user(world.user(user_id)),
        "app_permissions": str(int(DM_APP_PERMISSIONS)),
        "authorizing_integration_owners": {"0": "0"},
        "context": int(InteractionContext.BOT_DM),
    }


def _in_guild(core: Core, guild_id: int, channel_id: int, user_id: int) -> JSONObject:
    """What an interaction in a server's channel carries: the guild, the channel, the member
    with their permissions there, and the app's permissions in that channel."""
    world = core.world
    channel = world.channel(channel_id)
    member = world.member(guild_id, user_id)
    return {
        "guild_id": str(guild_id),
        "channel": payloads.channel(channel),
        "member": payloads.member_with_permissions(world, member, channel_id=channel_id),
        # "permissions the app has within the channel the interaction was sent from"
        "app_permissions": str(
            world.channel_permissions(channel_id, core.bot_id) if core.bot_id else BOT_DEFAULT
        ),
        "guild_locale": "en-US",
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": int(InteractionContext.GUILD),
    }


class CallbackType(IntEnum):
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8


ALLOWED_CALLBACKS: dict[InteractionType, frozenset[CallbackType]] = {
    InteractionType.APPLICATION_COMMAND: frozenset(
        {CallbackType.CHANNEL_MESSAGE, CallbackType.DEFERRED_CHANNEL_MESSAGE}
    ),
    InteractionType.MESSAGE_COMPONENT: frozenset(
        {
            CallbackType.CHANNEL_MESSAGE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
            CallbackType.UPDATE_MESSAGE,
        }
    ),
    InteractionType.AUTOCOMPLETE: frozenset({CallbackType.AUTOCOMPLETE_RESULT}),
}


@dataclass(eq=False, slots=True)
class PendingInteraction:
    """An interaction and everything the bot has answered so far."""

    id: int
    token: str
    type: InteractionType
    guild_id: int
    channel_id: int
    user_id: int
    created: float
    """Event-loop time of creation; deadlines are measured from it."""
    name: str | None = None
    source_message_id: int | None = None
    response: CallbackType | None = None
    original_message_id: int | None = None
    choices: list[Choice] = field(default_factory=list)
    followup_ids: list[int] = field(default_factory=list)
    abandoned: bool = False
    """The member's client gave up waiting ("This interaction failed")."""
    answered: asyncio.Event = field(default_factory=asyncio.Event)


class Interactions:
    """Opens interactions and applies the bot's callbacks, follow-ups and edits."""

    def __init__(self, core: Core, actions: Actions) -> None:
        self.core = core
        self.actions = actions
        self.by_id: dict[int, PendingInteraction] = {}
        self._by_token: dict[str, PendingInteraction] = {}
        self._skew = 0.0

    def now(self) -> float:
        """The time deadlines and token lifetimes are measured in (loop time plus any skew)."""
        return asyncio.get_running_loop().time() + self._skew

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for interaction deadlines and tokens, without waiting."""
        self._skew += seconds
        self.core.changes.touch()

    def open(
        self,
        kind: InteractionType,
        *,
        guild_id: int,
        channel_id: int,
        user_id: int,
        data: JSONObject,
        source: Message | None = None,
        name: str | None = None,
    ) -> PendingInteraction:
        """Create an interaction and dispatch INTERACTION_CREATE."""
        world = self.core.world
        pending = PendingInteraction(
            id=self.core.ids.next(),
            token=f"aW50ZXJhY3Rpb24{secrets.token_urlsafe(48)}",
            type=kind,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            created=self.now(),
            name=name,
            source_message_id=source.id if source else None,
        )
        event: JSONObject = {
            "id": str(pending.id),
            "application_id": str(self.core.application_id),
            "type": int(kind),
            "data": data,
            "channel_id": str(channel_id),
            "token": pending.token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": self.core.config.rules.max_upload_bytes,
        }
        dm = world.dm_channels.get(channel_id)
        if dm is not None:
            event.update(_in_bot_dm(world, dm, user_id))
        else:
            event.update(_in_guild(self.core, guild_id, channel_id, user_id))
        if source is not None:
            event["message"] = payloads.message(
                world, source, cdn=self.core.base_url, viewer=self.core.bot_id
            )
        self.by_id[pending.id] = pending
        self._by_token[pending.token] = pending
        self.core.gateway.dispatch("INTERACTION_CREATE", event)
        self.core.changes.touch()
        return pending

    # ------------------------------------------------------------- callback

    def respond(
        self, interaction_id: int, token: str, body: CallbackBody, uploads: dict[int, Upload]
    ) -> None:
        """``POST /interactions/{id}/{token}/callback``."""
        pending = self.by_id.get(interaction_id)
        if pending is None or pending.token != token:
            raise errors.unknown_interaction()
        if pending.response is not None:
            raise errors.already_acknowledged()
        if (
            pending.abandoned
            or self.now() - pending.created > self.core.config.rules.interaction_deadline
        ):
            raise errors.unknown_interaction()
        try:
            kind = CallbackType(body.type)
        except ValueError:
            raise errors.invalid_form(
                ("type",), "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 8}."
            ) from None
        if kind not in ALLOWED_CALLBACKS[pending.type]:
            raise errors.DiscordError(400, 40043, "Interaction response type is not valid here.")
        data = body.data or CallbackData()
        match kind:
            case CallbackType.CHANNEL_MESSAGE | CallbackType.DEFERRED_CHANNEL_MESSAGE:
                deferred = kind is CallbackType.DEFERRED_CHANNEL_MESSAGE
                message = self._post(pending, data, uploads, loading=deferred)
                pending.original_message_id = message.id
            case CallbackType.DEFERRED_UPDATE_MESSAGE:
                pending.original_message_id = pending.source_message_id
            case CallbackType.UPDATE_MESSAGE:
                source = self._source(pending)
                self.actions.edit_message(source, data, uploads)
                pending.original_message_id = source.id
            case CallbackType.AUTOCOMPLETE_RESULT:
                choices = data.choices or []
                if len(choices) > self.core.config.rules.max_autocomplete_choices:
                    raise errors.invalid_form(
                        ("data", "choices"),
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 0 and 25 in length.",
                    )
                found = FormErrors()
                check_choices(choices, ("data", "choices"), found)
                found.raise_if_any()
                pending.choices = list(choices)
        pending.response = kind
        pending.answered.set()
        self.core.changes.touch()

    def _post(
        self,
        pending: PendingInteraction,
        data: MessageBody,
        uploads: dict[int, Upload],
        *,
        loading: bool,
        followup: bool = False,
    ) -> Message:
        flags = data.flags if isinstance(data.flags, int) else 0
        ephemeral = bool(flags & MessageFlag.EPHEMERAL)
        extra = (MessageFlag.EPHEMERAL if ephemeral else 0) | (
            MessageFlag.LOADING if loading else 0
        )
        command = pending.type is InteractionType.APPLICATION_COMMAND
        authorship = Authorship(
            author_id=self.core.bot_id,
            webhook_id=self.core.application_id,
            application_id=self.core.application_id,
            interaction=InteractionMetadata(
                id=pending.id, type=int(pending.type), user_id=pending.user_id, name=pending.name
            ),
            visible_to=pending.user_id if ephemeral else None,
            type=CHAT_INPUT_COMMAND_MESSAGE if command and not followup else 0,
            extra_flags=int(extra),
        )
        return self.actions.post_message(
            pending.channel_id, data, uploads, authorship, allow_empty=loading
        )

    def _source(self, pending: PendingInteraction) -> Message:
        if pending.source_message_id is None:
            raise errors.unknown_message()
        return self.core.world.message(pending.channel_id, pending.source_message_id)

    # -------------------------------------------------------------- webhook

    def by_token(self, application_id: int, token: str) -> PendingInteraction:
        """The interaction behind a webhook token that still accepts follow-ups and edits."""
        pending = self._by_token.get(token)
        if pending is None or application_id != self.core.application_id:
            raise errors.invalid_webhook_token()
        if self.now() - pending.created > self.core.config.rules.interaction_token_ttl:
            raise errors.invalid_webhook_token()
        return pending

    def message(self, pending: PendingInteraction, message_id: int | None) -> Message:
        """``@original`` (None) or a follow-up of this interaction."""
        if message_id is None:
            message_id = pending.original_message_id
        if message_id is None or (
            message_id != pending.original_message_id and message_id not in pending.followup_ids
        ):
            raise errors.unknown_message()
        return self.core.world.message(pending.channel_id, message_id)

    def edit(
        self,
        pending: PendingInteraction,
        message_id: int | None,
        body: MessageBody,
        uploads: dict[int, Upload],
    ) -> Message:
        return self.actions.edit_message(self.message(pending, message_id), body, uploads)

    def delete(self, pending: PendingInteraction, message_id: int | None) -> None:
        self.actions.delete_message(self.message(pending, message_id))

    def followup(
        self, pending: PendingInteraction, body: MessageBody, uploads: dict[int, Upload]
    ) -> Message:
        if pending.response is None:
            raise errors.unknown_webhook()
        original = self.core.world.messages.get(pending.original_message_id or 0)
        if original is not None and original.flags & MessageFlag.LOADING:
            # After a deferred response, the first follow-up fills in the "thinking" message.
            return self.actions.edit_message(original, body, uploads)
        message = self._post(pending, body, uploads, loading=False, followup=True)
        pending.followup_ids.append(message.id)
        return message

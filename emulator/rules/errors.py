"""Discord's JSON errors: an HTTP status, a numeric code, a message and per-field details.

Numeric codes and messages are those of Discord's "JSON Error Codes" table
(docs.discord.com/developers/topics/opcodes-and-status-codes#json). Per-field codes
(``BASE_TYPE_MAX_LENGTH``...) are the strings Discord puts in the ``errors`` tree of a 50035;
:data:`FieldCode` lists the ones the emulator sends, so a misspelt one fails type-checking.
"""

from typing import Literal

from emulator.rules.jsontypes import JSONObject

type FieldCode = Literal[
    "APPLICATION_COMMANDS_DUPLICATE_NAME",
    "APPLICATION_COMMAND_INVALID_NAME",
    "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
    "APPLICATION_COMMAND_TOO_LARGE",
    "BASE_TYPE_BAD",
    "BASE_TYPE_BAD_LENGTH",
    "BASE_TYPE_CHOICES",
    "BASE_TYPE_MAX_LENGTH",
    "BASE_TYPE_REQUIRED",
    "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
    "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE",
    "BUTTON_COMPONENT_INVALID_EMOJI",
    "BUTTON_COMPONENT_SKU_ID_REQUIRED",
    "BUTTON_COMPONENT_URL_REQUIRED",
    "CHANNEL_RECIPIENT_REQUIRED",
    "COMPONENT_CUSTOM_ID_DUPLICATED",
    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
    "DATE_TIME_TYPE_PARSE",
    "FORWARD_CONTAINS_UNSUPPORTED_CONTENT",
    "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
    "GUILD_SCHEDULED_EVENT_FIELD_NOT_ALLOWED",
    "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
    "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
    "MAX_EMBED_SIZE_EXCEEDED",
    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
    "MODEL_TYPE_CONVERT",
    "NUMBER_TYPE_COERCE",
    "NUMBER_TYPE_MAX",
    "NUMBER_TYPE_MIN",
    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
    "SET_TYPE_ALREADY_CONTAINS_VALUE",
    "STRING_TYPE_REGEX",
]
"""Per-field error codes, as Discord spells them in ``_errors[].code``.

Each was read in a Discord answer quoted in public bug reports or in public code that matches
on it (``APPLICATION_COMMAND_OPTIONS_TYPE_INVALID``, ``APPLICATION_COMMAND_TOO_LARGE``,
``FORWARD_CONTAINS_UNSUPPORTED_CONTENT``, ``CHANNEL_RECIPIENT_REQUIRED``:
discord/discord-api-docs#5868; ``GUILD_SCHEDULED_EVENT_SCHEDULE_PAST`` "Cannot schedule event in
the past.": public bots that parse Discord's answer), except these, whose refusal is documented
(or, for scheduled events, implied by the documented rules) but whose code string we have not
seen: ``APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME``, ``BUTTON_COMPONENT_URL_REQUIRED``,
``BUTTON_COMPONENT_SKU_ID_REQUIRED``, ``BASE_TYPE_BAD`` (a body msgspec cannot type, where
Discord would name a more precise code), and the four other ``GUILD_SCHEDULED_EVENT_*`` codes.
Tests of those check the field and the 50035, not the string.
"""

type FieldPath = tuple[str | int, ...]


class DiscordError(Exception):
    """An error the emulator answers the way Discord does: ``{"code", "message", "errors"}``."""

    def __init__(
        self, status: int, code: int, message: str, errors: JSONObject | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSONObject:
        body: JSONObject = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class FormErrors:
    """Discord's ``errors`` tree, gathered field by field: ``{"a": {"0": {"_errors": [...]}}}``.

    Discord checks a whole body and reports every bad field at once, so rules add to one
    collector and the request fails (50035 Invalid Form Body) only after all have run.
    """

    def __init__(self) -> None:
        self.tree: JSONObject = {}

    def __bool__(self) -> bool:
        return bool(self.tree)

    def add(self, path: FieldPath, code: FieldCode, message: str) -> None:
        node = self.tree
        for key in path:
            child = node.setdefault(str(key), {})
            assert isinstance(child, dict)  # only this class builds the tree
            node = child
        found = node.setdefault("_errors", [])
        assert isinstance(found, list)
        found.append({"code": code, "message": message})

    def required(self, path: FieldPath) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def max_length(self, path: FieldPath, limit: int) -> None:
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def bad_length(self, path: FieldPath, low: int, high: int) -> None:
        self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def choices(self, path: FieldPath, allowed: tuple[int, ...]) -> None:
        listed = ", ".join(map(str, allowed))
        self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of ({listed}).")

    def too_big(self, path: FieldPath, limit: int) -> None:
        self.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {limit}.")

    def too_small(self, path: FieldPath, limit: int) -> None:
        self.add(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {limit}.")

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordError(400, 50035, "Invalid Form Body", self.tree)


def field_error(path: FieldPath, code: FieldCode, message: str) -> JSONObject:
    """One field error nested the way Discord does."""
    found = FormErrors()
    found.add(path, code, message)
    return found.tree


def invalid_form(path: FieldPath, code: FieldCode, message: str) -> DiscordError:
    """50035 Invalid Form Body for one field."""
    return DiscordError(400, 50035, "Invalid Form Body", field_error(path, code, message))


def not_a_snowflake(name: str, value: str) -> DiscordError:
    """A path or query id that is not a number: Discord's 50035 ``NUMBER_TYPE_COERCE``."""
    return invalid_form((name,), "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')


def not_an_int(name: str, value: str) -> DiscordError:
    return invalid_form((name,), "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')


def invalid_json() -> DiscordError:
    return DiscordError(400, 50109, "The request body contains invalid JSON.")


def invalid_multipart() -> DiscordError:
    """A multipart body that cannot be read: Discord's 50035 covers form-data bodies too."""
    return DiscordError(400, 50035, "Invalid Form Body")


def invalid_content_type() -> DiscordError:
    """A body that is neither JSON, a urlencoded form nor form-data, or a form that is not text:
    50035 "Invalid form body (returned for both application/json and multipart/form-data
    bodies), or invalid Content-Type provided" (JSON Error Codes)."""
    return DiscordError(400, 50035, "Invalid Form Body")


def method_not_allowed() -> DiscordError:
    return DiscordError(405, 0, "405: Method Not Allowed")


def entity_too_large() -> DiscordError:
    return DiscordError(413, 40005, "Request entity too large")


def unauthorized() -> DiscordError:
    return DiscordError(401, 0, "401: Unauthorized")


def not_found_route() -> DiscordError:
    return DiscordError(404, 0, "404: Not Found")


def unknown_channel() -> DiscordError:
    return DiscordError(404, 10003, "Unknown Channel")


def unknown_guild() -> DiscordError:
    return DiscordError(404, 10004, "Unknown Guild")


def unknown_member() -> DiscordError:
    return DiscordError(404, 10007, "Unknown Member")


def unknown_message() -> DiscordError:
    return DiscordError(404, 10008, "Unknown Message")


def unknown_user() -> DiscordError:
    return DiscordError(404, 10013, "Unknown User")


def unknown_emoji() -> DiscordError:
    return DiscordError(400, 10014, "Unknown Emoji")


def unknown_webhook() -> DiscordError:
    return DiscordError(404, 10015, "Unknown Webhook")


def unknown_command() -> DiscordError:
    return DiscordError(404, 10063, "Unknown application command")


def unknown_scheduled_event() -> DiscordError:
    return DiscordError(404, 10070, "Unknown Guild Scheduled Event")


def unknown_interaction() -> DiscordError:
    return DiscordError(404, 10062, "Unknown interaction")


def too_many_commands(limit: int) -> DiscordError:
    return DiscordError(400, 30032, f"Maximum number of application commands reached ({limit})")


def too_many_reactions() -> DiscordError:
    return DiscordError(400, 30010, "Maximum number of reactions reached (20)")


def too_many_scheduled_events() -> DiscordError:
    """ "A guild can have a maximum of 100 events with SCHEDULED or ACTIVE status" (Guild
    Scheduled Event > Create Guild Scheduled Event)."""
    return DiscordError(
        400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)"
    )


def already_acknowledged() -> DiscordError:
    return DiscordError(400, 40060, "Interaction has already been acknowledged.")


def cannot_edit_foreign_message() -> DiscordError:
    return DiscordError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> DiscordError:
    return DiscordError(400, 50006, "Cannot send an empty message")


def cannot_message_user() -> DiscordError:
    """A DM to a member who closed their DMs to the server's members (their privacy setting
    "Allow direct messages from server members"): what bots meet as 403 50007."""
    return DiscordError(403, 50007, "Cannot send messages to this user")


def no_mutual_guilds() -> DiscordError:
    """A DM to a user who shares no guild with the bot (50278; the status is assumed 403, as
    for 50007)."""
    return DiscordError(
        403, 50278, "Cannot send messages to this user due to having no mutual guilds"
    )


def dm_action() -> DiscordError:
    """Managing the other side's message in a DM (deleting it, removing their reaction)."""
    return DiscordError(403, 50003, "Cannot execute action on a DM channel")


def wrong_channel_type() -> DiscordError:
    """JSON Error Codes: 50024 "Cannot execute action on this channel type"."""
    return DiscordError(400, 50024, "Cannot execute action on this channel type")


def invalid_recipient() -> DiscordError:
    """Create DM with an id that is not a user Discord can DM (discordgo#953 quotes the answer)."""
    return DiscordError(400, 50033, "Invalid Recipient(s)")


def finished_event() -> DiscordError:
    """Any change to a COMPLETED or CANCELED scheduled event: "Once status is set to COMPLETED
    or CANCELED, the status can no longer be updated" (Guild Scheduled Event Status). The status
    400 is assumed; the code and message are the JSON Error Codes table's."""
    return DiscordError(400, 180000, "Cannot update a finished event")


def missing_access() -> DiscordError:
    return DiscordError(403, 50001, "Missing Access")


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


def invalid_webhook_token() -> DiscordError:
    return DiscordError(401, 50027, "Invalid Webhook Token")

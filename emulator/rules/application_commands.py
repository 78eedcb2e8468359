"""Application commands as a bot registers them: their shape, Discord's rules, and the command
Discord keeps (defaults filled, unknown keys dropped).

Sources: Discord's docs, Interactions > Application Commands (``docs.discord.com/developers/
interactions/application-commands``): "Application Command Naming", the Application Command
and Option structures, "Bulk Overwrite ..." and the note that "command names must be unique
per application, per type, and within each scope"; "Registering a Command" (how many commands
of each type), "Slash Commands" (8000 characters), "Subcommands and Subcommand Groups" (the
one kind of nesting supported); the OpenAPI description's ``ApplicationCommandCreateRequest``
(which fields are nullable) and ``ApplicationCommandResponse`` (what comes back).
"""

import unicodedata
from collections import Counter
from collections.abc import Iterable

import msgspec

from emulator.rules.bodies import Choice
from emulator.rules.errors import FieldPath, FormErrors


class CommandOption(msgspec.Struct, kw_only=True):
    """An application command option (or subcommand) as registered by the bot."""

    type: int
    name: str
    description: str
    name_localizations: dict[str, str] | None = None
    description_localizations: dict[str, str] | None = None
    required: bool | None = None
    autocomplete: bool | None = None
    choices: list[Choice] | None = None
    options: list["CommandOption"] | None = None
    channel_types: list[int] | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None


class CommandBody(msgspec.Struct, kw_only=True):
    """An application command as the bot creates or overwrites it."""

    name: str
    type: int | None = None
    description: str | None = None
    name_localizations: dict[str, str] | None = None
    description_localizations: dict[str, str] | None = None
    options: list[CommandOption] | None = None
    default_member_permissions: str | int | None = None
    dm_permission: bool | None = None
    default_permission: bool | None = None
    nsfw: bool | None = None
    contexts: list[int] | None = None
    integration_types: list[int] | None = None
    handler: int | None = None
    id: str | int | None = None

    @property
    def kind(self) -> int:
        """CHAT_INPUT (1) unless told otherwise."""
        return self.type if self.type is not None else CHAT_INPUT


CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT = 1, 2, 3, 4
COMMAND_TYPES = (CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT)
OPTION_TYPES = tuple(range(1, 12))  # SUB_COMMAND (1) .. ATTACHMENT (11)
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
SUBCOMMANDS = (SUB_COMMAND, SUB_COMMAND_GROUP)
VALUE_TYPES = tuple(range(3, 12))  # STRING (3) .. ATTACHMENT (11): what a user fills in
MAX_COMMANDS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15, PRIMARY_ENTRY_POINT: 1}
"""Commands of each type an app may have globally, and again in each guild ("An app can have
the following number of commands: 100 global CHAT_INPUT commands, 15 global USER commands, 15
global MESSAGE commands, 1 global PRIMARY_ENTRY_POINT command ... you can have the same amount
of guild-specific commands per guild")."""
MAX_COMMAND_SIZE = 8000
"""'Slash commands can have a maximum of 8000 characters for combined name, description, and
value properties for each command, its options (including subcommands and groups), and
choices', counting only the longest localization of each field."""
CHOICE_TYPES = (3, 4, 10)  # STRING, INTEGER, NUMBER: "choices?" applies to these only
NAME_LENGTH = 32
DESCRIPTION_LENGTH = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
CHOICE_NAME_LENGTH = 100
CHOICE_VALUE_LENGTH = 100  # "Value for the choice, up to 100 characters if string"
# Interaction Context Types (GUILD, BOT_DM, PRIVATE_CHANNEL) and Application Integration Types
# (GUILD_INSTALL, USER_INSTALL): Discord's docs and the OpenAPI schemas InteractionContextType and
# ApplicationIntegrationType; any other value is 50035 BASE_TYPE_CHOICES.
CONTEXT_TYPES = (0, 1, 2)
INTEGRATION_TYPES = (0, 1)


def _name_character(character: str) -> bool:
    """One character of ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]$`` (Application Command
    Naming); Devanagari and Thai are accepted whole, their combining signs included."""
    point = ord(character)
    return (
        character in "-_'"
        or unicodedata.category(character)[0] in "LN"
        or 0x0900 <= point <= 0x097F
        or 0x0E00 <= point <= 0x0E7F
    )


def check_chat_name(name: str, path: FieldPath, found: FormErrors) -> None:
    """A CHAT_INPUT command or option name: the regex, and lowercase wherever a letter has one."""
    if not 1 <= len(name) <= NAME_LENGTH:
        found.bad_length(path, 1, NAME_LENGTH)
    elif not all(_name_character(c) for c in name):
        found.add(path, "STRING_TYPE_REGEX", "String value did not match validation regex.")
    elif name != name.lower():
        found.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def permission_bits(spec: CommandBody) -> int | None:
    """``default_member_permissions`` as a number ("0" is admins only); None if absent or bad."""
    value = spec.default_member_permissions
    text = "" if value is None else str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 20 else None


def check_command(spec: CommandBody, path: FieldPath, found: FormErrors) -> None:
    """Every rule one command breaks, added to ``found`` under ``path``."""
    value = spec.default_member_permissions
    if value is not None and permission_bits(spec) is None:
        # A bit set sent as a string or a number; Discord answers it as a string.
        where = (*path, "default_member_permissions")
        found.add(where, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
    for name, values, allowed in (
        ("contexts", spec.contexts, CONTEXT_TYPES),
        ("integration_types", spec.integration_types, INTEGRATION_TYPES),
    ):
        seen: set[int] = set()
        for index, kind in enumerate(values or []):
            if kind not in allowed:
                found.choices((*path, name, index), allowed)
            elif kind in seen:
                # Discord's OpenAPI description holds both lists to "uniqueItems" in every
                # command request (and every answer); the code is the one Discord gives a
                # repeated value in a set.
                message = "The set already contains this value."
                found.add((*path, name, index), "SET_TYPE_ALREADY_CONTAINS_VALUE", message)
            seen.add(kind)
    if spec.kind not in COMMAND_TYPES:
        found.choices((*path, "type"), COMMAND_TYPES)
        return
    if spec.kind == CHAT_INPUT:
        check_chat_name(spec.name, (*path, "name"), found)
        if not 1 <= len(spec.description or "") <= DESCRIPTION_LENGTH:
            found.bad_length((*path, "description"), 1, DESCRIPTION_LENGTH)
        if command_size(spec) > MAX_COMMAND_SIZE:
            # Seen in Discord's answers as the body's own error, with no field named
            # (``{"_errors": [...]}``, or under the command's index in a bulk overwrite).
            found.add(
                path,
                "APPLICATION_COMMAND_TOO_LARGE",
                f"Command exceeds maximum size ({MAX_COMMAND_SIZE})",
            )
    elif not 1 <= len(spec.name) <= NAME_LENGTH:
        # "USER and MESSAGE commands may be mixed case and can include spaces."
        found.bad_length((*path, "name"), 1, NAME_LENGTH)
    _check_options(spec.options or [], (*path, "options"), found)


def _check_options(
    options: list[CommandOption], path: FieldPath, found: FormErrors, parent: int | None = None
) -> None:
    """The options of a command (``parent`` None), of a subcommand group or of a subcommand.

    Nesting: "your top level command can contain subcommand groups, and those groups can contain
    subcommands. That is the only kind of nesting supported." So a group holds subcommands only,
    a subcommand holds only options a user fills in, and the command's own options are either
    all subcommands and groups or none of them. The last rule's answer is the one seen from
    Discord (``APPLICATION_COMMAND_OPTIONS_TYPE_INVALID`` on that ``options``); an option type a
    level does not take is answered as Discord answers any value outside its allowed set
    (``BASE_TYPE_CHOICES`` on the option's ``type``), which we have not seen for this case.
    """
    if len(options) > MAX_OPTIONS:
        found.max_length(path, MAX_OPTIONS)
    allowed = {None: OPTION_TYPES, SUB_COMMAND_GROUP: (SUB_COMMAND,), SUB_COMMAND: VALUE_TYPES}
    takes = allowed.get(parent, VALUE_TYPES)
    if parent is None and len({o.type in SUBCOMMANDS for o in options}) > 1:
        found.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all"
            " other types",
        )
    names: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        where = (*path, index)
        if option.type not in OPTION_TYPES:
            found.choices((*where, "type"), OPTION_TYPES)
            continue
        if option.type not in takes:
            found.choices((*where, "type"), takes)
        check_chat_name(option.name, (*where, "name"), found)
        # "name must be unique within an array of application command options"
        if option.name in names:
            found.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
                "Application command option names must be unique",
            )
        names.add(option.name)
        if not 1 <= len(option.description) <= DESCRIPTION_LENGTH:
            found.bad_length((*where, "description"), 1, DESCRIPTION_LENGTH)
        if option.type not in SUBCOMMANDS:
            # "Required options must be listed before optional options"
            if option.required and optional_seen:
                found.add(
                    where,
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
            optional_seen = optional_seen or not option.required
        _check_choices(option, where, found)
        if option.options and option.type in SUBCOMMANDS and option.type in takes:
            _check_options(option.options, (*where, "options"), found, option.type)


def _check_choices(option: CommandOption, path: FieldPath, found: FormErrors) -> None:
    choices = option.choices or []
    if len(choices) > MAX_CHOICES:
        found.max_length((*path, "choices"), MAX_CHOICES)
    check_choices(choices, (*path, "choices"), found)


def check_choices(choices: list[Choice], path: FieldPath, found: FormErrors) -> None:
    """Each choice's name and value, for a command option's ``choices`` and for an
    autocomplete answer alike: the autocomplete callback's ``choices`` are "array of
    choices" of the same Application Command Option Choice Structure (Receiving and
    Responding, Interaction Callback Data Structure, Autocomplete): "1-100 character choice
    name", "Value for the choice, up to 100 characters if string"."""
    for index, choice in enumerate(choices):
        where = (*path, index)
        if not 1 <= len(choice.name) <= CHOICE_NAME_LENGTH:
            found.bad_length((*where, "name"), 1, CHOICE_NAME_LENGTH)
        if isinstance(choice.value, str) and len(choice.value) > CHOICE_VALUE_LENGTH:
            found.max_length((*where, "value"), CHOICE_VALUE_LENGTH)


def _longest(text: str | None, localizations: dict[str, str] | None) -> int:
    return max([len(text or ""), *(len(t) for t in (localizations or {}).values())])


def _option_size(option: CommandOption) -> int:
    size = _longest(option.name, option.name_localizations)
    size += _longest(option.description, option.description_localizations)
    for choice in option.choices or []:
        size += _longest(choice.name, choice.name_localizations) + len(str(choice.value))
    return size + sum(_option_size(o) for o in option.options or [])


def command_size(spec: CommandBody) -> int:
    """The characters Discord counts against :data:`MAX_COMMAND_SIZE`.

    A number choice's value counts as its digits: the docs say "value properties" without
    saying how a number counts, and counting it keeps the emulator on the strict side.
    """
    size = _longest(spec.name, spec.name_localizations)
    size += _longest(spec.description, spec.description_localizations)
    return size + sum(_option_size(o) for o in spec.options or [])


def count_limit(kinds: Iterable[int]) -> int | None:
    """The limit of :data:`MAX_COMMANDS` that ``kinds`` (one per command of a scope) exceed.

    Discord answers ``400 30032 Maximum number of application commands reached (100)``, as
    quoted from bots that hit it (the "JSON Error Codes" table names 30032).
    """
    for kind, count in Counter(kinds).items():
        limit = MAX_COMMANDS.get(kind)
        if limit is not None and count > limit:
            return limit
    return None


def check_overwrite(specs: list[CommandBody], found: FormErrors) -> None:
    """A bulk overwrite: each command, and no two of one type with the same name."""
    seen: set[tuple[str, int]] = set()
    for index, spec in enumerate(specs):
        check_command(spec, (index,), found)
        key = (spec.name, spec.kind)
        if key in seen:
            found.add(
                (index,),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        seen.add(key)


def _normalised_option(option: CommandOption) -> CommandOption:
    return msgspec.structs.replace(
        option,
        required=True if option.required else None,
        autocomplete=True if option.autocomplete else None,
        choices=option.choices or None,
        # "options?" is valid for SUB_COMMAND and SUB_COMMAND_GROUP only.
        options=(
            [_normalised_option(o) for o in option.options or []] or None
            if option.type in SUBCOMMANDS
            else None
        ),
        channel_types=sorted(set(option.channel_types)) if option.channel_types else None,
    )


def normalised(spec: CommandBody) -> CommandBody:
    """The command as Discord keeps it: typed, ``description`` "" for USER and MESSAGE commands
    ("Empty string for USER and MESSAGE commands"), options only on CHAT_INPUT ones."""
    chat = spec.kind == CHAT_INPUT
    return msgspec.structs.replace(
        spec,
        type=spec.kind,
        description=(spec.description or "") if chat else "",
        options=[_normalised_option(o) for o in spec.options or []] if chat else None,
        nsfw=bool(spec.nsfw),
        id=None,
    )
